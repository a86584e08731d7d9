# Fails if a source under host/, cuda/ or models/ includes a project header by a relative path
# ("../x.hpp", "x.hpp" of the same folder): includes are written from the source root so that
# each layer's include view decides what it can see (tests/CMakeLists.txt, Layers.*).
file(GLOB_RECURSE sources ${ROOT}/host/*.cpp ${ROOT}/host/*.hpp ${ROOT}/cuda/*.cu ${ROOT}/cuda/*.cuh
     ${ROOT}/cuda/*.hpp ${ROOT}/models/*.hpp)
set(bad "")
foreach(f IN LISTS sources)
  file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "#[ \t]*include[ \t]*\"(host|models|cuda)/[^\"]+\"")
      string(APPEND bad "  ${f}: ${line}\n")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "includes not written from the source root (host/..., models/..., cuda/...):\n${bad}")
endif()
