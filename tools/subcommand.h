// Usage errors CLI11 words badly, for both programs: a command that names
// no subcommand (given `phireport sumary`, CLI11 reports "A subcommand is
// required", which hides the typo; UnknownSubcommand names it and the
// nearest name), a bad whole number (WholeNumber), an option given twice
// (UsageErrorText) and an option given an empty value (RejectEmptyValues).
//
// Thread safety: stateless.
#ifndef PHISCAN_TOOLS_SUBCOMMAND_H_
#define PHISCAN_TOOLS_SUBCOMMAND_H_

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/did_you_mean.h"
#include "common/escape.h"
#include "tools/byte_count.h"

namespace phiscan::tools {

// " (see phiscan rules --help)" for the command `path` ("phiscan rules").
inline std::string SeeHelpOf(const std::string& path) { return " (see " + path + " --help)"; }

// Follows argv[1], argv[2], ... down `app`'s subcommands while each names
// one. If the next argument is not an option (no leading '-') and names no
// subcommand of a command that requires one, returns "unknown WHAT 'ARG'",
// with WHAT `what` at the top level and "<command> command" below it, then
// the nearest names when ARG looks like a typo of them ("(did you mean
// summary?)"), else every name ("(WHATs: a, b, c)"), and the help that
// lists them ("(see phiscan rules --help)"); else "" (CLI11 then reports
// the rest).
inline std::string UnknownSubcommand(const CLI::App& app, int argc, char** argv,
                                     const std::string& what) {
  const CLI::App* cmd = &app;
  std::string kind = what;
  std::string path = app.get_name();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') return "";
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : cmd->get_subcommands({})) {
      if (sub->check_name(arg)) next = sub;
    }
    if (next == nullptr) {
      if (cmd->get_subcommands({}).empty() || cmd->get_require_subcommand_min() == 0) return "";
      std::vector<std::string> names;
      for (const CLI::App* sub : cmd->get_subcommands({})) names.push_back(sub->get_name());
      const std::string unknown = "unknown " + kind + " " + QuoteValue(arg);
      const std::string help = SeeHelpOf(path);
      if (std::string guess = DidYouMean(NearestNames(arg, names)); !guess.empty()) {
        return unknown + guess + help;
      }
      std::string listed;
      for (const std::string& name : names) listed += (listed.empty() ? "" : ", ") + name;
      return unknown + " (" + kind + "s: " + listed + ")" + help;
    }
    cmd = next;
    kind = next->get_name() + " command";
    path += " " + next->get_name();
  }
  return "";
}

// A whole number from `min` to `max`, decimal digits only. CLI11's own
// checks name a floating-point range ("0.000000 to 1797...") and let a
// number past 2^64 saturate; this says "'1k' is not a whole number from 1
// to 1024" and refuses what does not fit.
inline CLI::Validator WholeNumber(uint64_t min, uint64_t max) {
  const std::string range = max == UINT64_MAX
                                ? std::to_string(min) + " or more"
                                : "from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        const bool digits =
            !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits) return QuoteNumberValue(text) + " is not a whole number " + range;
        errno = 0;
        const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || v > max) {
          return QuoteNumberValue(text) + " is too large (at most " + std::to_string(max) + ")";
        }
        return v < min ? QuoteNumberValue(text) + " is not a whole number " + range : std::string();
      },
      "");  // the option names its value (N, SECONDS), not the check
}

// The arguments `app` and the subcommands it parsed left over: what
// CLI11 took for neither an option nor a value.
inline std::vector<std::string> LeftOverArguments(const CLI::App& app) {
  std::vector<std::string> left = app.remaining(false);
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (!sub->parsed()) continue;
    for (std::string& arg : LeftOverArguments(*sub)) left.push_back(std::move(arg));
  }
  return left;
}

// A value that must be one of `names`, as CLI::IsMember, whose help and
// error it writes the same way ("FORMAT:{table,json}", "xml not in
// {table,json}"), except that an empty value is left to RejectEmptyValues'
// "empty value; give a FORMAT", which IsMember's check would come before.
inline CLI::Validator OneOf(std::vector<std::string> names) {
  std::string set;
  for (const std::string& n : names) set += (set.empty() ? "" : ",") + n;
  set = "{" + set + "}";
  return CLI::Validator(
      [names, set](std::string& text) -> std::string {
        if (text.empty() || std::find(names.begin(), names.end(), text) != names.end()) return "";
        return text + " not in " + set;
      },
      set);
}

// ParseByteCount as an option's transform: the text becomes the number of
// bytes, which the option reads as a plain number (`->transform(...)`).
inline CLI::Validator ByteCount(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        uint64_t bytes = 0;
        std::string why = ParseByteCount(text, min, max, &bytes);
        if (why.empty()) text = std::to_string(bytes);
        return why;
      },
      "");
}

// The deepest command given on the command line (`app` itself if none).
inline const CLI::App* DeepestCommand(const CLI::App& app) {
  const CLI::App* cmd = &app;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (const CLI::App* sub : cmd->get_subcommands({})) {
      if (sub->parsed()) {
        cmd = sub;
        deeper = true;
        break;
      }
    }
  }
  return cmd;
}

// "phireport findings": the names from the program down to `cmd`.
inline std::string CommandPath(const CLI::App& cmd) {
  std::string path;
  for (const CLI::App* c = &cmd; c != nullptr; c = c->get_parent()) {
    path = c->get_name() + (path.empty() ? "" : " ") + path;
  }
  return path;
}

// " (see phireport findings --help)": the help of the deepest command given,
// which lists its options (the program's own lists only its commands).
inline std::string SeeHelp(const CLI::App& app) {
  return SeeHelpOf(CommandPath(*DeepestCommand(app)));
}

// Whether a subcommand of `app`, at any depth, has the option --`long_name`.
inline bool OptionOfSubcommand(const CLI::App& app, const std::string& long_name) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->check_lname(long_name)) return true;
    }
    if (OptionOfSubcommand(*sub, long_name)) return true;
  }
  return false;
}

// `text` with each value given to an option of `app` or its subcommands
// that takes a word (not a number: N, BYTES, SECONDS, DAYS, RUN) and holds
// six digits or more replaced: CLI11 quotes a value back (`--status
// 536-22-8726`: "not in {...}"), which may be an identifier pasted into the
// wrong place, and errors reach logs.
inline std::string HideDigitValues(std::string text, const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options()) {
    const std::string kind = opt->get_type_name();
    if (kind == "N" || kind == "BYTES" || kind == "SECONDS" || kind == "DAYS" || kind == "RUN") {
      continue;
    }
    for (const std::string& value : opt->results()) {
      if (value.empty() || !HoldsIdentifierDigits(value)) continue;
      for (size_t at; (at = text.find(value)) != std::string::npos;) {
        text.replace(at, value.size(), kValueNotShown);
      }
    }
  }
  for (const CLI::App* sub : app.get_subcommands({})) text = HideDigitValues(std::move(text), *sub);
  return text;
}

// The text of a parse error for the user. An option that takes one value,
// given twice, is a usage error (which of the two did the user mean?); CLI11
// words it "--type: At Most 1 required but received 2", which says neither.
// `secret_arguments`: the command's arguments may be a value to hide (an
// identifier to locate), so left-over ones are counted, never shown.
inline std::string UsageErrorText(const CLI::ParseError& e, const CLI::App& app,
                                  bool secret_arguments = false) {
  const std::string what = HideDigitValues(e.what(), app);
  const std::vector<std::string> left = LeftOverArguments(app);
  // Where an unknown option or a missing subcommand belongs.
  const CLI::App* cmd = DeepestCommand(app);
  // CLI11 says "A subcommand is required" and names none. (None of the
  // deepest command's own subcommands was given, by its choice.)
  const std::vector<const CLI::App*> subs = cmd->get_subcommands({});
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
      cmd->get_require_subcommand_min() > 0 && !subs.empty()) {
    std::string names;
    for (const CLI::App* sub : subs) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (cmd == &app) return "give a command (commands: " + names + ")";
    return cmd->get_name() + " needs a command (one of: " + names + ")";
  }
  // An unknown option is named first: CLI11 would report what it then
  // missed (`scan -dash`: "paths is required").
  for (const std::string& arg : left) {
    if (arg.size() < 2 || arg[0] != '-') continue;
    const std::string name = arg.substr(0, arg.find('='));  // never the value
    const bool digits = name.find_first_of("0123456789") != std::string::npos;
    if (digits || (secret_arguments && name[1] != '-')) {
      return std::string("an unknown option (not shown") +
             (digits ? " since it holds digits" : "") +
             "); a path that starts with '-' goes after --";
    }
    if (arg[1] == '-') {  // --name: a typo of one of the command's options?
      std::vector<std::string> names;
      for (const CLI::Option* opt : cmd->get_options()) {
        for (const std::string& long_name : opt->get_lnames()) names.push_back("--" + long_name);
      }
      // The command's own option, given before the command's name
      // (`phireport --catalog c.db summary`), is left over at the top.
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        return "option '" + name + "' goes after the command's name (" + CommandPath(*cmd) + " " +
               name + " ...)";
      }
      if (cmd == &app && OptionOfSubcommand(app, name.substr(2))) {
        return "option '" + name + "' goes after a command's name (" + app.get_name() +
               " COMMAND " + name + " ...)" + SeeHelpOf(app.get_name());
      }
      return "unknown option '" + name + "'" + DidYouMean(NearestNames(name, names));
    }
    return "unknown option '" + name + "'; a path that starts with '-' goes after -- (or " +
           "write ./" + name + ")";
  }
  // Arguments left over are echoed by CLI11; one with a digit may be part
  // of a value typed unquoted (`locate --value 4532 0151 1283 0366`), a
  // card or SSN that must not reach the terminal or a log.
  const bool any_digits = std::any_of(left.begin(), left.end(), [](const std::string& a) {
    return a.find_first_of("0123456789") != std::string::npos;
  });
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && (any_digits || secret_arguments)) {
    const size_t count = left.size();
    return std::to_string(count) + (count == 1 ? " argument" : " arguments") +
           " not expected, not shown" + (any_digits ? " since they hold digits" : "") +
           " (a value with spaces must be quoted)";
  }
  const std::string marker = ": At Most 1 required but received ";
  const size_t at = what.find(marker);
  if (at == std::string::npos) return what;
  return what.substr(0, at) + ": given " + what.substr(at + marker.size()) +
         " times; give it once";
}

// Names the values of `app`'s options, and its subcommands', that CLI11
// would show as TEXT in the help, by their long name: {"--catalog",
// "FILE"} shows `--catalog FILE`.
inline void NameValues(CLI::App* app,
                       const std::vector<std::pair<std::string, std::string>>& names) {
  for (CLI::Option* opt : app->get_options()) {
    // What its checks add (":{text,json}") is not part of the name.
    const std::string shown = opt->get_type_name();
    if (shown.substr(0, shown.find(':')) != "TEXT") continue;
    for (const auto& [flag, name] : names) {
      if (opt->check_lname(flag.substr(2))) opt->type_name(name);
    }
  }
  for (CLI::App* sub : app->get_subcommands({})) NameValues(sub, names);
}

// Makes each repeatable option of `app` and its subcommands (--exclude,
// --rules) take one value each time it is given, as its help says
// ("repeatable"): CLI11 lets one take every argument after it, so
// `scan --exclude hr/ /srv/a /srv/b` took both roots for globs.
inline void OneValueEach(CLI::App* app) {
  for (CLI::Option* opt : app->get_options()) {
    if (opt->get_positional() || opt->get_type_size_max() == 0) continue;  // PATH..., flags
    if (opt->get_expected_max() <= 1) continue;
    opt->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  for (CLI::App* sub : app->get_subcommands({})) OneValueEach(sub);
}

// Makes an empty value a usage error naming the option, for every option
// of `app` and its subcommands that takes a value, arguments too (`classify
// ""`): `--catalog ""` (a variable that was never set) would otherwise open
// a file named "" and report "not found" as a catalog error, and `--type ""`
// would quietly mean "any type".
inline void RejectEmptyValues(CLI::App* app) {
  for (CLI::Option* opt : app->get_options()) {
    if (opt->get_type_size_max() == 0) continue;  // flags
    // The name the help shows (FILE), without what its checks add (":{a,b}").
    std::string what = opt->get_type_name();
    what = what.substr(0, what.find(':'));
    opt->check(CLI::Validator(
        [what](std::string& value) {
          if (!value.empty()) return std::string();
          // CLI11's default name says nothing: "TEXT".
          if (what.empty() || what == "TEXT") return std::string("empty value");
          return "empty value; give " + std::string(what == "N" ? "a number" : "a " + what);
        },
        ""));
  }
  for (CLI::App* sub : app->get_subcommands({})) RejectEmptyValues(sub);
}

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_SUBCOMMAND_H_
