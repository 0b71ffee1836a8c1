#include "exhaust/zip_archive.h"

#include <zip.h>

#include <cstdio>

namespace walcast::exhaust {

Status WriteEncryptedZip(const std::string& source_path, const std::string& entry_name,
                         const std::string& password, const std::string& zip_path) {
  if (password.empty()) return Status::InvalidArgument("exhaust: empty ZIP password");
  if (zip_encryption_method_supported(ZIP_EM_AES_256, 1) == 0) {
    return Status::Unavailable("exhaust: this libzip cannot write AES-256");
  }
  std::remove(zip_path.c_str());
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    zip_error_t e;
    zip_error_init_with_code(&e, error);
    const std::string message = zip_error_strerror(&e);
    zip_error_fini(&e);
    return Status::Unavailable("exhaust: cannot create " + zip_path + ": " + message);
  }
  auto fail = [&](const std::string& what) {
    const std::string message = what + ": " + zip_strerror(archive);
    zip_discard(archive);
    std::remove(zip_path.c_str());
    return Status::Unavailable("exhaust: " + message);
  };
  zip_source_t* source = zip_source_file(archive, source_path.c_str(), 0, -1);
  if (source == nullptr) return fail("cannot read " + source_path);
  const zip_int64_t index = zip_file_add(archive, entry_name.c_str(), source, ZIP_FL_ENC_UTF_8);
  if (index < 0) {
    zip_source_free(source);
    return fail("cannot add " + entry_name);
  }
  if (zip_file_set_encryption(archive, static_cast<zip_uint64_t>(index), ZIP_EM_AES_256,
                              password.c_str()) != 0) {
    return fail("cannot encrypt " + entry_name);
  }
  // zip_close writes (and encrypts) everything; on failure the archive is
  // still open and must be discarded.
  if (zip_close(archive) != 0) return fail("cannot write " + zip_path);
  return Status::Ok();
}

}  // namespace walcast::exhaust
