# FindSOCI
# --------
# Debian's libsoci-dev (SOCI 4.0) ships headers and libraries but neither a CMake config nor a
# pkg-config file, so this module finds them and defines imported targets:
#
#   SOCI::core         soci_core
#   SOCI::<backend>    soci_<backend>, for each COMPONENT asked for (postgresql, sqlite3, ...)
#
# and SOCI_FOUND, SOCI_INCLUDE_DIR, SOCI_VERSION (from soci/version.h).

find_path(SOCI_INCLUDE_DIR NAMES soci/soci.h)
find_library(SOCI_CORE_LIBRARY NAMES soci_core)

if(SOCI_INCLUDE_DIR AND EXISTS "${SOCI_INCLUDE_DIR}/soci/version.h")
  file(STRINGS "${SOCI_INCLUDE_DIR}/soci/version.h" _soci_version_line
       REGEX "^#define SOCI_VERSION [0-9]+")
  string(REGEX REPLACE ".*SOCI_VERSION ([0-9]+).*" "\\1" _soci_v "${_soci_version_line}")
  math(EXPR _soci_major "${_soci_v} / 100000")
  math(EXPR _soci_minor "${_soci_v} / 100 % 1000")
  math(EXPR _soci_patch "${_soci_v} % 100")
  set(SOCI_VERSION "${_soci_major}.${_soci_minor}.${_soci_patch}")
endif()

set(_soci_component_vars)
foreach(_comp IN LISTS SOCI_FIND_COMPONENTS)
  find_library(SOCI_${_comp}_LIBRARY NAMES soci_${_comp})
  find_path(SOCI_${_comp}_INCLUDE_DIR NAMES soci/${_comp}/soci-${_comp}.h HINTS ${SOCI_INCLUDE_DIR})
  if(SOCI_${_comp}_LIBRARY AND SOCI_${_comp}_INCLUDE_DIR)
    set(SOCI_${_comp}_FOUND TRUE)
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI
  REQUIRED_VARS SOCI_CORE_LIBRARY SOCI_INCLUDE_DIR
  VERSION_VAR SOCI_VERSION
  HANDLE_COMPONENTS)

if(SOCI_FOUND AND NOT TARGET SOCI::core)
  add_library(SOCI::core UNKNOWN IMPORTED)
  set_target_properties(SOCI::core PROPERTIES
    IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
endif()

foreach(_comp IN LISTS SOCI_FIND_COMPONENTS)
  if(SOCI_${_comp}_FOUND AND NOT TARGET SOCI::${_comp})
    add_library(SOCI::${_comp} UNKNOWN IMPORTED)
    set_target_properties(SOCI::${_comp} PROPERTIES
      IMPORTED_LOCATION "${SOCI_${_comp}_LIBRARY}"
      INTERFACE_LINK_LIBRARIES SOCI::core)
  endif()
endforeach()

mark_as_advanced(SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY)
