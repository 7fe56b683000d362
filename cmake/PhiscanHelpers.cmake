# phiscan_module(NAME SOURCES... DEPS...) — a module as a static library.
# Public headers sit at the module's top level and are included as
# "module/header.h" from the repository root; internals live in module/internal/.
function(phiscan_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# phiscan_test(NAME SOURCES... DEPS...) — one Catch2 test binary registered with CTest.
function(phiscan_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE phiscan_test_main ${ARG_DEPS})
  target_precompile_headers(${name} REUSE_FROM phiscan_test_pch)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "PHISCAN_SOURCE_DIR=${PROJECT_SOURCE_DIR};PHISCAN_BINARY_DIR=${PROJECT_BINARY_DIR};PHISCAN_CACHE_DIR=${PHISCAN_TEST_RULE_CACHE}")
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
