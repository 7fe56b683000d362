#include "common/model.h"

#include <array>

namespace phiscan {
namespace {

constexpr std::array<const char*, 9> kStatusNames = {
    "complete", "partial", "encrypted", "skipped",  "unreadable",
    "vanished", "changed_during_scan", "special", "loop"};
constexpr std::array<const char*, 5> kKindNames = {"file", "directory", "member", "special",
                                                   "stream"};
constexpr std::array<const char*, 3> kConfidenceNames = {"low", "medium", "high"};

}  // namespace

const char* AssetStatusName(AssetStatus status) {
  auto i = static_cast<size_t>(status);
  return i < kStatusNames.size() ? kStatusNames[i] : "unknown";
}

std::optional<AssetStatus> ParseAssetStatus(std::string_view name) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (name == kStatusNames[i]) return static_cast<AssetStatus>(i);
  }
  return std::nullopt;
}

bool ContentWasRead(const AssetRecord& record, bool has_members) {
  return record.status == AssetStatus::kComplete || record.bytes_scanned > 0 ||
         !record.types.empty() || has_members;
}

const char* AssetKindName(AssetKind kind) {
  auto i = static_cast<size_t>(kind);
  return i < kKindNames.size() ? kKindNames[i] : "unknown";
}

Confidence ConfidenceFromScore(int score) {
  if (score >= kHighScore) return Confidence::kHigh;
  if (score >= kMediumScore) return Confidence::kMedium;
  return Confidence::kLow;
}

const char* ConfidenceName(Confidence c) {
  return kConfidenceNames[static_cast<size_t>(c) - 1];
}

std::optional<Confidence> ParseConfidence(std::string_view name) {
  for (size_t i = 0; i < kConfidenceNames.size(); ++i) {
    if (name == kConfidenceNames[i]) return static_cast<Confidence>(i + 1);
  }
  return std::nullopt;
}

int MinScoreFor(Confidence c) {
  switch (c) {
    case Confidence::kHigh: return kHighScore;
    case Confidence::kMedium: return kMediumScore;
    case Confidence::kLow: return kMinScore;
  }
  return kMinScore;
}

int ScoreFor(Confidence c) {
  switch (c) {
    case Confidence::kHigh: return kHighScore;
    case Confidence::kMedium: return kMediumScore;
    case Confidence::kLow: return kLowScore;
  }
  return kLowScore;
}

}  // namespace phiscan
