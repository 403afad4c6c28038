// Text the way CPython prints it: float repr, bytes repr, str repr of a character, str.strip().
//
// Metadata columns copied from the reference (the exif column above all) hold strings that Python
// produced with str() and repr(); these helpers reproduce those bytes. Strings are UTF-8 in and
// out.
//
// Thread safety: free functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace img2dataset {

// repr(float): the shortest text that reads back to `value`, in exponent form ("1e+20",
// "1.5e-05") outside 1e-4 <= |value| < 1e16; "nan", "inf", "-inf".
std::string PythonFloatRepr(double value);

// repr(bytes): b'...' with \t \n \r \\ \xhh escapes; double quotes when the bytes hold a single
// quote and no double quote, as CPython chooses.
std::string PythonBytesRepr(std::string_view bytes);

// repr(str) of a string given as valid UTF-8: quotes chosen as for bytes, \t \n \r \\ and \xhh
// escapes for other control characters. Non-ASCII code points are kept except a short list of
// non-printable ones (C1 controls, format characters, separators), which become \xhh / \uhhhh:
// an approximation of str.isprintable() without the full Unicode database.
std::string PythonStrRepr(std::string_view utf8);

// True when `bytes` decodes with Python's strict bytes.decode("utf-8"): no overlong forms, no
// surrogates, nothing above U+10FFFF, no truncated sequence.
bool IsStrictUtf8(std::string_view bytes);

// Appends the code point as UTF-8. REQUIRES: code_point <= 0x10FFFF and not a surrogate.
void AppendUtf8(std::string& out, uint32_t code_point);

// str.strip() with no argument: removes the code points that str.isspace() accepts (ASCII
// whitespace, U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000) from both ends. REQUIRES: `utf8` is valid UTF-8.
std::string_view PythonStrip(std::string_view utf8);

}  // namespace img2dataset
