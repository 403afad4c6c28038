# CMake initial cache (cmake -C) of the wheels' OpenCV, read by opencv.sh
# (scripts/build_third_party.sh --manylinux).
#
# Static, position-independent, and only what the engine uses: core and imgproc (cv::Mat,
# resize, cvtColor, GaussianBlur, flips and rotations). Everything else is off, so that nothing
# is downloaded at build time and the wheel needs no X11, OpenGL, TBB or LAPACK (Debian's
# libopencv-core406, which development builds link, needs them all).
#
# It is the source of Debian's OpenCV 4.6 packages, and where this departs from Debian's build
# (debian/rules of 4.6.0+dfsg-12) the comment says why.

set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(ENABLE_PIC ON CACHE BOOL "")  # it goes into a Python extension module
set(BUILD_LIST "core,imgproc" CACHE STRING "")

# Debian's flags: -O2 (OpenCV's own Release default is -O3; OpenCV adds -DNDEBUG), without the
# debug information.
set(CMAKE_BUILD_TYPE Release CACHE STRING "")
set(CMAKE_C_FLAGS_RELEASE "-O2" CACHE STRING "")
set(CMAKE_CXX_FLAGS_RELEASE "-O2" CACHE STRING "")
set(ENABLE_CCACHE OFF CACHE BOOL "")
# The same build information whatever the checkout: no timestamp, and the version rather than
# `git describe` of the repository the source was unpacked in.
set(BUILD_INFO_SKIP_TIMESTAMP ON CACHE BOOL "")
set(OPENCV_VCSVERSION "4.6.0+dfsg" CACHE STRING "")

# Debian's SIMD levels on amd64: SSE2 only in the baseline, and OpenCV's default run-time
# dispatch (SSE4.1 up to AVX-512), chosen per function on the machine that runs it.
# (An initial cache runs before project(): the processor is asked of the host.)
cmake_host_system_information(RESULT processor QUERY OS_PLATFORM)
if(processor MATCHES "^(x86_64|AMD64|amd64)$")
  set(CPU_BASELINE "SSE2" CACHE STRING "")
  set(CPU_BASELINE_DISABLE "SSE3" CACHE STRING "")
endif()

# Nothing is downloaded: no IPP, no ADE, no 3rdparty archives (the +dfsg source has no 3rdparty/).
set(OPENCV_DOWNLOAD_TRIES_LIST "" CACHE STRING "")
set(OPENCV_FORCE_3RDPARTY_BUILD OFF CACHE BOOL "")
foreach(option IN ITEMS BUILD_ZLIB BUILD_JPEG BUILD_PNG BUILD_TIFF BUILD_WEBP BUILD_OPENJPEG
                        BUILD_JASPER BUILD_OPENEXR BUILD_TBB BUILD_IPP_IW BUILD_ITT BUILD_PROTOBUF)
  set(${option} OFF CACHE BOOL "")
endforeach()

# No image codecs: the engine decodes with its own (cpp/src/image/), and imgcodecs is not built.
foreach(option IN ITEMS WITH_JPEG WITH_PNG WITH_WEBP WITH_TIFF WITH_OPENEXR WITH_OPENJPEG
                        WITH_JASPER WITH_GDAL WITH_GDCM WITH_IMGCODEC_HDR WITH_IMGCODEC_PXM
                        WITH_IMGCODEC_SUNRASTER WITH_IMGCODEC_PFM)
  set(${option} OFF CACHE BOOL "")
endforeach()

# Off: every accelerator, GUI, video and math back-end. OpenCL: the engine uses no UMat. The
# parallel back-end is OpenCV's own pthreads one (Debian's is TBB); the engine runs OpenCV on
# one thread anyway (cv::setNumThreads(0)), and loads no parallel plugin.
foreach(option IN ITEMS
    WITH_OPENCL WITH_OPENCL_SVM WITH_OPENCLAMDFFT WITH_OPENCLAMDBLAS WITH_VA WITH_VA_INTEL
    WITH_CUDA WITH_OPENGL WITH_VULKAN WITH_OPENVX WITH_HALIDE WITH_OPENVINO WITH_WEBNN
    WITH_TIMVX WITH_TENGINE WITH_ONNX WITH_IPP WITH_ITT WITH_TBB WITH_OPENMP WITH_HPX
    WITH_LAPACK WITH_EIGEN WITH_PROTOBUF WITH_ADE WITH_QUIRC WITH_CAROTENE WITH_GTK WITH_QT
    WITH_VTK WITH_FFMPEG WITH_GSTREAMER WITH_V4L WITH_1394 WITH_GPHOTO2 WITH_XINE WITH_PVAPI
    WITH_ARAVIS WITH_OPENNI WITH_OPENNI2 WITH_LIBREALSENSE WITH_MFX WITH_XIMEA WITH_UEYE)
  set(${option} OFF CACHE BOOL "")
endforeach()
set(PARALLEL_ENABLE_PLUGINS OFF CACHE BOOL "")

# No tests, apps, samples, documentation or bindings; no pkg-config file (the CMake package
# config, lib/cmake/opencv4/OpenCVConfig.cmake, is what cpp/CMakeLists.txt finds).
foreach(option IN ITEMS BUILD_TESTS BUILD_PERF_TESTS BUILD_EXAMPLES BUILD_DOCS BUILD_opencv_apps
                        BUILD_JAVA BUILD_opencv_java BUILD_opencv_python2 BUILD_opencv_python3
                        BUILD_opencv_js BUILD_OBJC INSTALL_C_EXAMPLES INSTALL_PYTHON_EXAMPLES
                        INSTALL_TESTS OPENCV_GENERATE_PKGCONFIG OPENCV_GENERATE_SETUPVARS)
  set(${option} OFF CACHE BOOL "")
endforeach()
set(OPENCV_PYTHON_SKIP_DETECTION ON CACHE BOOL "")
