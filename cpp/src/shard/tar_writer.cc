#include "shard/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <ctime>

namespace img2dataset {

Result<std::unique_ptr<SampleWriter>> TarWriter::Make(const std::string& staging_dir,
                                                      const std::string& shard_name) {
  const std::string name = shard_name + ".tar";
  const std::string final_path = staging_dir + "/" + name;
  const std::string partial_path = final_path + ".partial";
  archive* a = archive_write_new();
  if (a == nullptr) return Status::Internal("archive_write_new failed");
  // pax_restricted writes plain ustar headers and adds pax records only for names that need them.
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_open_filename(a, partial_path.c_str()) != ARCHIVE_OK) {
    Status status =
        Status::IOError("cannot create " + partial_path + ": " + archive_error_string(a));
    archive_write_free(a);
    return status;
  }
  return std::unique_ptr<SampleWriter>(new TarWriter(a, partial_path, final_path, name));
}

TarWriter::TarWriter(archive* archive, std::string partial_path, std::string final_path,
                     std::string name)
    : archive_(archive),
      partial_path_(std::move(partial_path)),
      final_path_(std::move(final_path)),
      name_(std::move(name)) {}

TarWriter::~TarWriter() {
  if (!finished_) Abandon();
}

Status TarWriter::ArchiveError(const std::string& what) const {
  const char* detail = archive_error_string(archive_);
  return Status::IOError(what + " " + partial_path_ + ": " + (detail ? detail : "unknown error"));
}

void TarWriter::Add(const SampleRecord& record) {
  if (!status_.ok() || archive_ == nullptr) return;
  const time_t now = std::time(nullptr);
  for (const auto& [suffix, bytes] : SampleMembers(record)) {
    archive_entry* entry = archive_entry_new();
    const std::string path = std::string(record.key) + "." + suffix;
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0444);
    archive_entry_set_uname(entry, "bigdata");
    archive_entry_set_gname(entry, "bigdata");
    archive_entry_set_mtime(entry, now, 0);
    const bool ok = archive_write_header(archive_, entry) == ARCHIVE_OK &&
                    archive_write_data(archive_, bytes.data(), bytes.size()) ==
                        static_cast<la_ssize_t>(bytes.size());
    archive_entry_free(entry);
    if (!ok) {
      status_ = ArchiveError("cannot write to");
      return;
    }
  }
}

Status TarWriter::Finish() {
  finished_ = true;
  if (status_.ok() && archive_write_close(archive_) != ARCHIVE_OK) {
    status_ = ArchiveError("cannot close");
  }
  archive_write_free(archive_);
  archive_ = nullptr;
  if (status_.ok() && std::rename(partial_path_.c_str(), final_path_.c_str()) != 0) {
    status_ = Status::IOError("cannot rename " + partial_path_);
  }
  if (!status_.ok()) std::remove(partial_path_.c_str());
  return status_;
}

void TarWriter::Abandon() {
  finished_ = true;
  if (archive_ != nullptr) {
    archive_write_free(archive_);
    archive_ = nullptr;
  }
  std::remove(partial_path_.c_str());
}

std::vector<std::string> TarWriter::files() const { return {name_}; }

}  // namespace img2dataset
