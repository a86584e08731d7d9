# Compiles a file holding only `#include "HEADER"` against one layer's include view (VIEW) and the
# models' view (MODELS); fails when the compiler does (tests/CMakeLists.txt, Layers.*).
string(MAKE_C_IDENTIFIER "${VIEW}_${HEADER}" id)
set(source ${CMAKE_CURRENT_BINARY_DIR}/layer_check_${id}.cpp)
file(WRITE ${source} "#include \"${HEADER}\"\n")
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${VIEW} -I${MODELS} ${source}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
file(REMOVE ${source})
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${HEADER} is not visible from ${VIEW}:\n${err}")
endif()
message(STATUS "${HEADER} is visible from ${VIEW}")
