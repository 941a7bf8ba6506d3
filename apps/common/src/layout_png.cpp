// --layout-png: the decomposition drawn as a picture (ranks as coloured blocks with their number,
// rank borders solid, thread strips dotted), as in the seed paper's Fig. 3. A self-contained PNG
// writer (stored deflate blocks, CRC-32, Adler-32): no image library needed.
#include <tessera/app/app.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace tessera::app {

namespace {

struct image {
  int width, height;
  std::vector<std::uint8_t> rgb;
  image(int w, int h)
      : width(w), height(h),
        rgb(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3, 255) {}
  void set(int x, int y, std::array<std::uint8_t, 3> c) {
    if (x < 0 || y < 0 || x >= width || y >= height) {
      return;
    }
    const auto at = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                     static_cast<std::size_t>(x)) *
                    3;
    rgb[at] = c[0];
    rgb[at + 1] = c[1];
    rgb[at + 2] = c[2];
  }
};

std::uint32_t crc32(const std::uint8_t* data, std::size_t n, std::uint32_t crc = 0) {
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
    }
  }
  return ~crc;
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> s));
  }
}

void chunk(std::vector<std::uint8_t>& png, const char* type,
           const std::vector<std::uint8_t>& data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  std::vector<std::uint8_t> body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put32(png, crc32(body.data(), body.size()));
}

std::vector<std::uint8_t> encode_png(const image& img) {
  std::vector<std::uint8_t> raw; // filter byte 0 + a row of RGB, per row
  for (int y = 0; y < img.height; ++y) {
    raw.push_back(0);
    const std::size_t row_bytes = static_cast<std::size_t>(img.width) * 3;
    const auto* row = &img.rgb[static_cast<std::size_t>(y) * row_bytes];
    raw.insert(raw.end(), row, row + row_bytes);
  }
  std::vector<std::uint8_t> z{0x78, 0x01}; // zlib header, stored blocks follow
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  for (std::uint8_t v : raw) {
    a = (a + v) % 65521U;
    b = (b + a) % 65521U;
  }
  for (std::size_t at = 0; at < raw.size() || at == 0; at += 65535) {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + n >= raw.size();
    z.push_back(last ? 1 : 0);
    z.push_back(static_cast<std::uint8_t>(n & 0xFF));
    z.push_back(static_cast<std::uint8_t>(n >> 8));
    z.push_back(static_cast<std::uint8_t>(~n & 0xFF));
    z.push_back(static_cast<std::uint8_t>((~n >> 8) & 0xFF));
    z.insert(z.end(), raw.begin() + static_cast<std::ptrdiff_t>(at),
             raw.begin() + static_cast<std::ptrdiff_t>(at + n));
    if (last) {
      break;
    }
  }
  put32(z, (b << 16) | a);
  std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<std::uint8_t> header;
  put32(header, static_cast<std::uint32_t>(img.width));
  put32(header, static_cast<std::uint32_t>(img.height));
  header.insert(header.end(), {8, 2, 0, 0, 0}); // 8-bit RGB, no interlace
  chunk(png, "IHDR", header);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", {});
  return png;
}

// 3x5 digits, one row per entry, bit 2 = left column.
constexpr std::array<std::array<std::uint8_t, 5>, 10> digits{{
    {7, 5, 5, 5, 7},
    {2, 6, 2, 2, 7},
    {7, 1, 7, 4, 7},
    {7, 1, 7, 1, 7},
    {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7},
    {7, 4, 7, 5, 7},
    {7, 1, 1, 1, 1},
    {7, 5, 7, 5, 7},
    {7, 5, 7, 1, 7},
}};

void draw_number(image& img, int value, int cx, int cy, int scale) {
  const std::string text = std::to_string(value);
  const int w = static_cast<int>(text.size()) * 4 * scale - scale;
  int x0 = cx - w / 2;
  const int y0 = cy - 5 * scale / 2;
  for (char ch : text) {
    const auto& glyph = digits[static_cast<std::size_t>(ch - '0')];
    for (int r = 0; r < 5; ++r) {
      for (int c = 0; c < 3; ++c) {
        if ((glyph[static_cast<std::size_t>(r)] >> (2 - c) & 1) != 0) {
          for (int dy = 0; dy < scale; ++dy) {
            for (int dx = 0; dx < scale; ++dx) {
              img.set(x0 + c * scale + dx, y0 + r * scale + dy, {0, 0, 0});
            }
          }
        }
      }
    }
    x0 += 4 * scale;
  }
}

void write_layout_png(const grid::decomposition& d, const std::string& path);

} // namespace

void layout_png(const grid::decomposition& d, const std::string& path) {
  std::string error;
  if (is_root()) {
    try {
      write_layout_png(d, path);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  agree(error.empty(), error);
}

namespace {

void write_layout_png(const grid::decomposition& d, const std::string& path) {
  // Rows: dimension 0; columns: dimension 1 (1-D grids: one band; 3-D: the plane of dimensions
  // 0 and 1).
  const int nd = d.ndim();
  const grid::index_t rows = nd == 1 ? 1 : d.global_shape()[0];
  const grid::index_t cols = nd == 1 ? d.global_shape()[0] : d.global_shape()[1];
  const int row_dim = nd == 1 ? -1 : 0;
  const int col_dim = nd == 1 ? 0 : 1;
  const double scale = std::clamp(800.0 / static_cast<double>(std::max(rows, cols)), 0.05, 24.0);
  const int height = std::max(40, static_cast<int>(static_cast<double>(rows) * scale));
  const int width = std::max(40, static_cast<int>(static_cast<double>(cols) * scale));
  const auto px_col = [&](grid::index_t c) {
    return static_cast<int>(static_cast<double>(c) * width / static_cast<double>(cols));
  };
  const auto px_row = [&](grid::index_t r) {
    return static_cast<int>(static_cast<double>(r) * height / static_cast<double>(rows));
  };
  static constexpr std::array<std::array<std::uint8_t, 3>, 8> palette{{
      {141, 211, 199},
      {255, 255, 179},
      {190, 186, 218},
      {251, 128, 114},
      {128, 177, 211},
      {253, 180, 98},
      {179, 222, 105},
      {252, 205, 229},
  }};
  image img(width, height);
  for (int r = 0; r < d.size(); ++r) {
    const grid::box b = d.box_of_rank(r);
    if (nd == 3 && b.lo[2] != 0) {
      continue; // one plane of dimensions 0 and 1
    }
    const int x0 = px_col(b.lo[static_cast<std::size_t>(col_dim)]);
    const int x1 = px_col(b.hi[static_cast<std::size_t>(col_dim)]);
    const int y0 = row_dim < 0 ? 0 : px_row(b.lo[0]);
    const int y1 = row_dim < 0 ? height : px_row(b.hi[0]);
    const auto colour = palette[static_cast<std::size_t>(r) % palette.size()];
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        img.set(x, y, colour);
      }
    }
    // Thread strips: dotted lines across the block at each strip start along thread_dim.
    const int td = d.thread_dim();
    if (td == row_dim || td == col_dim) {
      const grid::index_t n = b.extent(td);
      for (int t = 1; t < d.threads(); ++t) {
        const grid::index_t at =
            b.lo[static_cast<std::size_t>(td)] + grid::split_start(n, d.threads(), t);
        if (td == col_dim) {
          for (int y = y0; y < y1; ++y) {
            if (y % 6 < 3) {
              img.set(px_col(at), y, {60, 60, 60});
            }
          }
        } else {
          for (int x = x0; x < x1; ++x) {
            if (x % 6 < 3) {
              img.set(x, px_row(at), {60, 60, 60});
            }
          }
        }
      }
    }
    for (int x = x0; x < x1; ++x) { // rank borders
      img.set(x, y0, {0, 0, 0});
      img.set(x, y1 - 1, {0, 0, 0});
    }
    for (int y = y0; y < y1; ++y) {
      img.set(x0, y, {0, 0, 0});
      img.set(x1 - 1, y, {0, 0, 0});
    }
    const int digit_scale = std::clamp(std::min(x1 - x0, y1 - y0) / 20, 1, 6);
    if (x1 - x0 > 8 * digit_scale && y1 - y0 > 7 * digit_scale) {
      draw_number(img, r, (x0 + x1) / 2, (y0 + y1) / 2, digit_scale);
    }
  }
  const auto png = encode_png(img);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  if (!out) {
    throw config_error("cannot write the layout picture " + path);
  }
}

} // namespace

} // namespace tessera::app
