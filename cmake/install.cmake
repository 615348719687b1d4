# `cmake --install build --prefix P`: public headers, the static libraries with an exported
# CMake package (find_package(synetune) + synetune::synetune), the CLI, and what the CLI finds
# next to itself at run time (share/synetune/python for trials without Syne Tune, and the
# bundled benchmark tables). `cpack -G DEB` in the build folder packages the same files.
include(CMakePackageConfigHelpers)

set(SYNETUNE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/synetune)
get_property(synetune_modules GLOBAL PROPERTY SYNETUNE_MODULES)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/synetune DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${synetune_modules} synetune EXPORT synetuneTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT synetuneTargets NAMESPACE synetune:: FILE synetune-targets.cmake
        DESTINATION ${SYNETUNE_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/synetune-config.cmake.in
                              ${PROJECT_BINARY_DIR}/synetune-config.cmake
                              INSTALL_DESTINATION ${SYNETUNE_CMAKE_DIR}
                              PATH_VARS CMAKE_INSTALL_DATADIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/synetune-config-version.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/synetune-config.cmake
              ${PROJECT_BINARY_DIR}/synetune-config-version.cmake
        DESTINATION ${SYNETUNE_CMAKE_DIR})

# The CLI looks for <prefix>/share/synetune/{python,benchmarks} relative to its own path, so
# an installed tree (or the .deb) works wherever it lands.
install(TARGETS synetune_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/syne_tune DESTINATION ${CMAKE_INSTALL_DATADIR}/synetune/python
        PATTERN __pycache__ EXCLUDE PATTERN "*.pyc" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/benchmarks/ DESTINATION ${CMAKE_INSTALL_DATADIR}/synetune/benchmarks)

# Debian package: the runtime libraries of the CLI and, for building against the headers and
# static libraries, the -dev packages that synetune-config.cmake finds.
set(CPACK_PACKAGE_NAME synetune)
set(CPACK_PACKAGE_VENDOR synetune)
set(CPACK_PACKAGE_CONTACT "synetune maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Hyperparameter tuning in C++, compatible with Syne Tune")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Strip the CLI (RelWithDebInfo); CMake never strips static libraries (their symbol table is
# what links), so those keep their debug information.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6, libstdc++6, zlib1g, libzip4 | libzip5, python3, cmake (>= 3.20), pkgconf | pkg-config, nlohmann-json3-dev (>= 3.10), libeigen3-dev (>= 3.4), libzip-dev, zlib1g-dev")
include(CPack)
