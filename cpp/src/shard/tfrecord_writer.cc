#include "shard/tfrecord_writer.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "util/crc32c.h"

namespace img2dataset {

namespace {

// Records larger than this go straight to the file; smaller ones gather into writes this large.
constexpr size_t kBufferSize = size_t{1} << 20;

void StoreLittleEndian(uint64_t value, int bytes, char* out) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

}  // namespace

Result<std::unique_ptr<SampleWriter>> TfrecordWriter::Make(const std::string& staging_dir,
                                                           const std::string& shard_name) {
  const std::string name = shard_name + ".tfrecord";
  const std::string final_path = staging_dir + "/" + name;
  const std::string partial_path = final_path + ".partial";
  std::FILE* file = std::fopen(partial_path.c_str(), "wb");
  if (file == nullptr) {
    return Status::IOError("cannot create " + partial_path + ": " + std::strerror(errno));
  }
  auto buffer = std::make_unique<char[]>(kBufferSize);
  if (std::setvbuf(file, buffer.get(), _IOFBF, kBufferSize) != 0) {
    std::fclose(file);
    std::remove(partial_path.c_str());
    return Status::Internal("setvbuf failed for " + partial_path);
  }
  return std::unique_ptr<SampleWriter>(
      new TfrecordWriter(file, std::move(buffer), partial_path, final_path, name));
}

TfrecordWriter::TfrecordWriter(std::FILE* file, std::unique_ptr<char[]> buffer,
                               std::string partial_path, std::string final_path, std::string name)
    : file_(file),
      buffer_(std::move(buffer)),
      partial_path_(std::move(partial_path)),
      final_path_(std::move(final_path)),
      name_(std::move(name)) {}

TfrecordWriter::~TfrecordWriter() {
  if (!finished_) Abandon();
}

void TfrecordWriter::Write(const void* bytes, size_t size) {
  if (!status_.ok() || size == 0) return;
  if (std::fwrite(bytes, 1, size, file_) != size) {
    status_ = Status::IOError("cannot write to " + partial_path_ + ": " + std::strerror(errno));
  }
}

void TfrecordWriter::Add(const SampleRecord& record) {
  if (!status_.ok() || file_ == nullptr) return;
  const std::string_view data = record.example;
  char header[12];
  StoreLittleEndian(data.size(), 8, header);
  StoreLittleEndian(MaskedCrc32c(std::string_view(header, 8)), 4, header + 8);
  char footer[4];
  StoreLittleEndian(MaskedCrc32c(data), 4, footer);
  Write(header, sizeof header);
  Write(data.data(), data.size());
  Write(footer, sizeof footer);
}

Status TfrecordWriter::Finish() {
  finished_ = true;
  // fclose flushes the buffer: the last records' write errors show here.
  if (file_ != nullptr) {
    if (std::fclose(file_) != 0 && status_.ok()) {
      status_ = Status::IOError("cannot close " + partial_path_ + ": " + std::strerror(errno));
    }
    file_ = nullptr;
  }
  if (status_.ok() && std::rename(partial_path_.c_str(), final_path_.c_str()) != 0) {
    status_ = Status::IOError("cannot rename " + partial_path_ + ": " + std::strerror(errno));
  }
  if (!status_.ok()) std::remove(partial_path_.c_str());
  return status_;
}

void TfrecordWriter::Abandon() {
  finished_ = true;
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
  std::remove(partial_path_.c_str());
}

}  // namespace img2dataset
