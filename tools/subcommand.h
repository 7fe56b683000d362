// Usage errors CLI11 words badly or lets pass, for both programs: a command
// that names no subcommand (given `phireport bogus`, CLI11 reports "A
// subcommand is required", which hides the typo; UnknownSubcommand names
// it), a bad whole number (WholeNumber) and an empty value
// (RejectEmptyValues).
//
// Thread safety: stateless.
#ifndef PHISCAN_TOOLS_SUBCOMMAND_H_
#define PHISCAN_TOOLS_SUBCOMMAND_H_

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

namespace phiscan::tools {

// Follows argv[1], argv[2], ... down `app`'s subcommands while each names
// one. If the next argument is not an option (no leading '-') and names no
// subcommand of a command that requires one, returns "unknown WHAT 'ARG'
// (WHATs: a, b, c)", with WHAT `what` at the top level and "<command>
// command" below it; else "" (CLI11 then reports the rest).
inline std::string UnknownSubcommand(const CLI::App& app, int argc, char** argv,
                                     const std::string& what) {
  const CLI::App* cmd = &app;
  std::string kind = what;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') return "";
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : cmd->get_subcommands({})) {
      if (sub->check_name(arg)) next = sub;
    }
    if (next == nullptr) {
      if (cmd->get_subcommands({}).empty() || cmd->get_require_subcommand_min() == 0) return "";
      std::string names;
      for (const CLI::App* sub : cmd->get_subcommands({})) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
      }
      return "unknown " + kind + " '" + arg + "' (" + kind + "s: " + names + ")";
    }
    cmd = next;
    kind = next->get_name() + " command";
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
        if (!digits) return "'" + text + "' is not a whole number " + range;
        errno = 0;
        const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE || v > max) {
          return "'" + text + "' is too large (at most " + std::to_string(max) + ")";
        }
        return v < min ? "'" + text + "' is not a whole number " + range : std::string();
      },
      "UINT");
}

// Makes every option of `cmd` and its subcommands that takes a value
// refuse an empty one ("--catalog: must not be empty"), a usage error that
// names the flag. Otherwise `--config ""`, `--key ""` and `--log-file ""`
// would silently mean their defaults, and `--catalog ""` fail only at the
// catalog's open, as a fatal error. Call it after the last option is added.
inline void RejectEmptyValues(CLI::App* cmd) {
  const CLI::Validator non_empty(
      [](std::string& text) { return text.empty() ? "must not be empty" : std::string(); }, "");
  for (CLI::Option* opt : cmd->get_options()) {
    if (opt->get_type_size_max() > 0) opt->check(non_empty);
  }
  for (CLI::App* sub : cmd->get_subcommands({})) RejectEmptyValues(sub);
}

}  // namespace phiscan::tools

#endif  // PHISCAN_TOOLS_SUBCOMMAND_H_
