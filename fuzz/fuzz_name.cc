// The file name a fuzz_extract_* target hands the Extractor with every input
// (fuzz_extract.cc): PHISCAN_FUZZ_NAME, set per target at build time. The
// only file compiled per target.
#ifndef PHISCAN_FUZZ_NAME
#define PHISCAN_FUZZ_NAME "input.bin"
#endif

extern const char kFuzzName[];
const char kFuzzName[] = PHISCAN_FUZZ_NAME;
