# Writes OUTPUT, a C++ file defining `std::string_view NAMESPACE::FUNCTION()`
# that returns the bytes of INPUT. Hex-encoded so any byte sequence is safe.
if(NOT NAMESPACE)
  set(NAMESPACE phiscan::classifiers)
endif()
if(NOT FUNCTION)
  set(FUNCTION BuiltinRulePackText)
endif()
file(READ ${INPUT} content HEX)
string(LENGTH "${content}" hex_len)
math(EXPR byte_len "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUTPUT}
"// Generated from ${INPUT}. Do not edit.\n#include <string_view>\n"
"namespace ${NAMESPACE} {\nnamespace {\nconstexpr char kText[] = {${bytes} 0};\n}\n"
"std::string_view ${FUNCTION}() { return {kText, ${byte_len}}; }\n}\n")
