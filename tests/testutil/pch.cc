// The target that compiles the tests' precompiled header (tests/CMakeLists.txt);
// every test program reuses it. Nothing else.
