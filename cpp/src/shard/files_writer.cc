#include "shard/files_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace img2dataset {

namespace fs = std::filesystem;

Result<std::unique_ptr<SampleWriter>> FilesWriter::Make(const std::string& staging_dir,
                                                        const std::string& shard_name) {
  const std::string final_dir = staging_dir + "/" + shard_name;
  const std::string partial_dir = final_dir + ".partial";
  std::error_code error;
  fs::remove_all(partial_dir, error);
  if (!fs::create_directory(partial_dir, error)) {
    return Status::IOError("cannot create " + partial_dir + ": " + error.message());
  }
  return std::unique_ptr<SampleWriter>(new FilesWriter(partial_dir, final_dir, shard_name));
}

FilesWriter::~FilesWriter() {
  if (!finished_) Abandon();
}

void FilesWriter::Add(const SampleRecord& record) {
  if (!status_.ok()) return;
  for (const auto& [suffix, bytes] : SampleMembers(record)) {
    const std::string path = partial_dir_ + "/" + std::string(record.key) + "." + suffix;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      status_ = Status::IOError("cannot write " + path + ": " + std::strerror(errno));
      return;
    }
  }
}

Status FilesWriter::Finish() {
  finished_ = true;
  std::error_code error;
  if (status_.ok()) {
    fs::remove_all(final_dir_, error);
    fs::rename(partial_dir_, final_dir_, error);
    if (error) status_ = Status::IOError("cannot rename " + partial_dir_ + ": " + error.message());
  }
  if (!status_.ok()) fs::remove_all(partial_dir_, error);
  return status_;
}

void FilesWriter::Abandon() {
  finished_ = true;
  std::error_code error;
  fs::remove_all(partial_dir_, error);
}

}  // namespace img2dataset
