# OpenCV: core and imgproc, static, configured with opencv.cache.cmake. Of imgproc's sources only
# those the engine's link takes objects from are compiled (cvtColor, resize and the filters and
# tables they call); the other ones (contours, Hough, drawing, warps, morphology, ...) were about
# 40% of OpenCV's build time and no object of theirs ended up in the wheel. A source missing
# from KEEP that the engine comes to need leaves an undefined symbol, which scripts/build_wheel.sh
# refuses.
KEEP=" bilateral_filter box_filter color color_hsv color_lab color_rgb color_yuv demosaicing filter
  median_blur resize smooth sumpixels tables templmatch thresh "
KEEP=${KEEP//$'\n'/ }

build() {
  local imgproc="$SRC/modules/imgproc" source stem
  for source in "$imgproc"/src/*.cpp; do
    stem=$(basename "$source")
    stem=${stem%%.*}  # resize.avx2.cpp, smooth.dispatch.cpp: resize, smooth
    [[ $KEEP == *" $stem "* ]] || rm "$source"
  done
  # The run-time dispatched sources (ocv_add_dispatched_file) of those that went, too.
  awk -v keep="$KEEP" '/^ocv_add_dispatched_file\(/ {
      name = $1; sub(/.*\(/, "", name)
      if (index(keep, " " name " ") == 0) next
    } { print }' "$imgproc/CMakeLists.txt" >"$imgproc/CMakeLists.txt.kept" &&
    mv "$imgproc/CMakeLists.txt.kept" "$imgproc/CMakeLists.txt" &&
    cmake_install "$SRC" -C "$RECIPES/opencv.cache.cmake"
}
