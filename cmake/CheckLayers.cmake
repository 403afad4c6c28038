# Fails when a source file of cpp/src includes a header of a stage its own stage may not use.
#
#   cmake -DSOURCE_DIR=<repo>/cpp/src -P cmake/CheckLayers.cmake
#
# The layers, bottom up (docs/architecture.md, "Rules the layout keeps"): util and arrow_c use
# nothing else; fetch, image and shard use util (shard also arrow_c) and never each other;
# engine wires them all. Public headers (include/img2dataset/) may be used everywhere.
set(ALLOWED_util util)
set(ALLOWED_arrow_c arrow_c)
set(ALLOWED_fetch fetch util)
set(ALLOWED_image image util)
set(ALLOWED_shard shard util arrow_c)
set(ALLOWED_engine engine fetch image shard util arrow_c)
set(STAGES util arrow_c fetch image shard engine)

set(violations "")
foreach(stage ${STAGES})
  file(GLOB files "${SOURCE_DIR}/${stage}/*.h" "${SOURCE_DIR}/${stage}/*.cc")
  foreach(file ${files})
    file(STRINGS "${file}" includes REGEX "^#include \"[a-z_0-9]+/")
    foreach(line ${includes})
      string(REGEX REPLACE "^#include \"([a-z_0-9]+)/.*" "\\1" used "${line}")
      if(used STREQUAL "img2dataset")
        continue()
      endif()
      list(FIND STAGES "${used}" known)
      list(FIND ALLOWED_${stage} "${used}" allowed)
      if(known EQUAL -1 OR allowed EQUAL -1)
        file(RELATIVE_PATH where "${SOURCE_DIR}" "${file}")
        string(APPEND violations "  ${where}: ${line} (${stage}/ may use: ${ALLOWED_${stage}})\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "include across the layers (cmake/CheckLayers.cmake):\n${violations}")
endif()
