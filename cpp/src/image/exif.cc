#include "image/exif.h"

#include <libexif/exif-data.h>

#include <memory>

#include "util/python_json.h"
#include "util/strings.h"

namespace img2dataset {

namespace {

struct ExifDataDeleter {
  void operator()(ExifData* data) const { exif_data_unref(data); }
};

}  // namespace

std::optional<std::string> ExtractExifJson(std::string_view image_bytes) {
  std::unique_ptr<ExifData, ExifDataDeleter> data(exif_data_new());
  if (!data) return std::nullopt;
  // Report what the file holds: do not let libexif add or "fix" mandatory tags.
  exif_data_unset_option(data.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(data.get(), reinterpret_cast<const unsigned char*>(image_bytes.data()),
                      static_cast<unsigned int>(image_bytes.size()));

  // exifread's order: the main image, its EXIF and GPS sub-IFDs, then the thumbnail.
  static constexpr struct {
    ExifIfd ifd;
    const char* name;
  } kIfds[] = {{EXIF_IFD_0, "Image"},
               {EXIF_IFD_EXIF, "EXIF"},
               {EXIF_IFD_GPS, "GPS"},
               {EXIF_IFD_INTEROPERABILITY, "Interoperability"},
               {EXIF_IFD_1, "Thumbnail"}};
  PythonJsonObject json(PythonJsonObject::Layout::kOneLine);
  char value[1024];
  for (const auto& [ifd, ifd_name] : kIfds) {
    const ExifContent* content = data->ifd[ifd];
    if (content == nullptr) continue;
    for (unsigned int i = 0; i < content->count; ++i) {
      ExifEntry* entry = content->entries[i];
      // exifread's quick mode (details=False) skips maker notes.
      if (entry == nullptr || entry->tag == EXIF_TAG_MAKER_NOTE) continue;
      const char* tag_name = exif_tag_get_name_in_ifd(entry->tag, ifd);
      if (tag_name == nullptr) continue;
      value[0] = '\0';
      exif_entry_get_value(entry, value, sizeof(value));
      json.AddString(std::string(ifd_name) + " " + tag_name, TrimWhitespace(value));
    }
  }
  return json.Finish();
}

}  // namespace img2dataset
