// robots.txt bodies: parsing, then matching a few fixed paths and one taken from the body.
#include <string>
#include <string_view>

#include "fetch/robots_txt.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace img2dataset;
  if (size > fuzz::kMaxInputBytes) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const RobotsTxt robots = RobotsTxt::Parse(body);

  // The body's first line as a path: mutations of rules then meet paths that nearly match them.
  const std::string_view first_line = body.substr(0, body.find('\n'));
  const std::string path_from_body = "/" + std::string(first_line.substr(0, 256));
  for (const std::string_view agent : {"img2dataset", "", "Googlebot", "*"}) {
    for (const std::string_view path :
         {std::string_view(""), std::string_view("/"), std::string_view("/images/cat.jpg?size=2"),
          std::string_view("/%E4%B8%AD/a%2fb$"), std::string_view(path_from_body)}) {
      robots.Allowed(agent, path);
    }
  }
  FUZZ_CHECK(RobotsTxt::AllowAll().Allowed("img2dataset", path_from_body));
  FUZZ_CHECK(!RobotsTxt::DisallowAll().Allowed("img2dataset", path_from_body));
  return 0;
}
