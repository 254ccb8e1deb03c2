# SPDX-License-Identifier: Apache-2.0
# Builds the consumer against airsql found with find_package, in one of two ways:
#   MODE=build-tree  airsql_DIR = the build directory (build-tree export)
#   MODE=install     cmake --install into a temporary prefix, then CMAKE_PREFIX_PATH
# Arguments: -DMODE -DAIRSQL_BUILD_DIR -DSOURCE_DIR -DWORK_DIR -DCXX
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
if(MODE STREQUAL "install")
    execute_process(COMMAND ${CMAKE_COMMAND} --install ${AIRSQL_BUILD_DIR} --prefix ${WORK_DIR}/prefix
                    RESULT_VARIABLE rc OUTPUT_QUIET)
    if(rc)
        message(FATAL_ERROR "cmake --install failed")
    endif()
    set(locate -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
else()
    set(locate -Dairsql_DIR=${AIRSQL_BUILD_DIR})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja
                        -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release ${locate}
                RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "configuring the consumer failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer ${WORK_DIR}/data RESULT_VARIABLE rc
                OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(rc)
    message(FATAL_ERROR "the consumer failed")
endif()
