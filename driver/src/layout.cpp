// --dry-run's text map and --layout-png's picture of a decomposition. The picture is drawn with
// cairo (Debian libcairo2-dev), which also encodes the PNG.
#include "tessera/driver/layout.hpp"
#include "tessera/driver/agreement.hpp"
#include "tessera/driver/console.hpp"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <sstream>

namespace tessera::driver {

std::uint64_t field_bytes_of_rank(const grid::decomposition& d, int rank, int halo, int fields) {
  const grid::box b = d.box_of_rank(rank);
  std::uint64_t cells = 1;
  for (int e = 0; e < d.ndim(); ++e) {
    cells *= static_cast<std::uint64_t>(b.extent(e) + 2 * static_cast<grid::index_t>(halo));
  }
  return cells * sizeof(double) * static_cast<std::uint64_t>(fields);
}

std::string describe_layout(const grid::decomposition& d, int halo, int fields_per_rank,
                            std::uint64_t replicated_bytes) {
  std::ostringstream o;
  const int nd = d.ndim();
  o << "grid";
  for (int e = 0; e < nd; ++e) {
    o << (e == 0 ? " " : " x ") << d.global_shape()[static_cast<std::size_t>(e)];
  }
  o << ", periodic [";
  for (int e = 0; e < nd; ++e) {
    o << (e == 0 ? "" : ", ") << (d.periodic(e) ? "yes" : "no");
  }
  o << "]\n" << d.size() << " rank(s) as";
  for (int e = 0; e < nd; ++e) {
    o << (e == 0 ? " " : " x ") << d.mpi_dims()[static_cast<std::size_t>(e)];
  }
  o << "; " << d.threads() << " thread(s) per rank along dimension " << d.thread_dim()
    << "; halo width " << halo << "\n\n";
  o << "rank  coords      cells (global index ranges)          thread ranges along dim "
    << d.thread_dim() << "\n";
  std::uint64_t largest = 0; // bytes
  for (int r = 0; r < d.size(); ++r) {
    const grid::box b = d.box_of_rank(r);
    std::ostringstream coords;
    std::ostringstream ranges;
    const auto c = d.communicator().coords(r);
    coords << "(";
    for (int e = 0; e < nd; ++e) {
      coords << (e == 0 ? "" : ",") << c[static_cast<std::size_t>(e)];
      ranges << (e == 0 ? "" : " x ") << "[" << b.lo[static_cast<std::size_t>(e)] << ","
             << b.hi[static_cast<std::size_t>(e)] << ")";
    }
    coords << ")";
    ranges << " = " << b.volume();
    std::ostringstream threads;
    const auto td = static_cast<std::size_t>(d.thread_dim());
    const grid::index_t n = b.extent(d.thread_dim());
    for (int t = 0; t < d.threads(); ++t) {
      threads << (t == 0 ? "" : " ") << "t" << t << "["
              << b.lo[td] + grid::split_start(n, d.threads(), t) << ","
              << b.lo[td] + grid::split_start(n, d.threads(), t + 1) << ")";
    }
    char line[512];
    std::snprintf(line, sizeof line, "%4d  %-10s  %-36s %s\n", r, coords.str().c_str(),
                  ranges.str().c_str(), threads.str().c_str());
    o << line;
    largest = std::max(largest, field_bytes_of_rank(d, r, halo, fields_per_rank));
  }
  if (nd == 2) {
    // A map of which rank owns which block, dimension 0 downwards.
    o << "\nmap (rows: dimension 0, columns: dimension 1):\n";
    for (int a = 0; a < d.mpi_dims()[0]; ++a) {
      o << "  ";
      for (int b = 0; b < d.mpi_dims()[1]; ++b) {
        const int coords[] = {a, b};
        char cell[16];
        std::snprintf(cell, sizeof cell, "[%3d]", d.communicator().rank_of(coords));
        o << cell;
      }
      o << "\n";
    }
  }
  const double mib = 1 << 20;
  o << "\nmemory per rank: about " << static_cast<double>(largest + replicated_bytes) / mib
    << " MiB for " << fields_per_rank << " fields";
  if (replicated_bytes > 0) { // what those bytes hold is the model's business, not named here
    o << " and " << static_cast<double>(replicated_bytes) / mib
      << " MiB that every rank holds whole";
  }
  o << "\n";
  return o.str();
}

namespace {

/// Owns a cairo surface and its drawing context.
struct canvas {
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface;
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr;
  canvas(int width, int height)
      : surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
                &cairo_surface_destroy),
        cr(cairo_create(surface.get()), &cairo_destroy) {}
};

void draw_layout(const grid::decomposition& d, const std::string& path) {
  // Rows: dimension 0; columns: dimension 1 (1-D grids: one band; 3-D: the plane of dimensions
  // 0 and 1).
  const int nd = d.ndim();
  const auto rows = static_cast<double>(nd == 1 ? 1 : d.global_shape()[0]);
  const auto cols = static_cast<double>(nd == 1 ? d.global_shape()[0] : d.global_shape()[1]);
  const int row_dim = nd == 1 ? -1 : 0;
  const int col_dim = nd == 1 ? 0 : 1;
  const double scale = std::clamp(800.0 / std::max(rows, cols), 0.05, 24.0);
  const int height = std::max(40, static_cast<int>(rows * scale));
  const int width = std::max(40, static_cast<int>(cols * scale));
  const auto x_of = [&](grid::index_t c) { return static_cast<double>(c) * width / cols; };
  const auto y_of = [&](grid::index_t r) { return static_cast<double>(r) * height / rows; };
  static constexpr std::array<std::array<double, 3>, 8> palette{{
      {141, 211, 199},
      {255, 255, 179},
      {190, 186, 218},
      {251, 128, 114},
      {128, 177, 211},
      {253, 180, 98},
      {179, 222, 105},
      {252, 205, 229},
  }};
  canvas pic(width, height);
  cairo_t* cr = pic.cr.get();
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  for (int r = 0; r < d.size(); ++r) {
    const grid::box b = d.box_of_rank(r);
    if (nd == 3 && b.lo[2] != 0) {
      continue; // one plane of dimensions 0 and 1
    }
    const double x0 = x_of(b.lo[static_cast<std::size_t>(col_dim)]);
    const double x1 = x_of(b.hi[static_cast<std::size_t>(col_dim)]);
    const double y0 = row_dim < 0 ? 0.0 : y_of(b.lo[0]);
    const double y1 = row_dim < 0 ? height : y_of(b.hi[0]);
    const auto& colour = palette[static_cast<std::size_t>(r) % palette.size()];
    cairo_set_source_rgb(cr, colour[0] / 255, colour[1] / 255, colour[2] / 255);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    cairo_fill(cr);
    // Thread strips: dotted lines across the block at each strip start along thread_dim.
    const int td = d.thread_dim();
    if (td == row_dim || td == col_dim) {
      const double dash[] = {3.0, 3.0};
      cairo_set_dash(cr, dash, 2, 0.0);
      cairo_set_line_width(cr, 1.0);
      cairo_set_source_rgb(cr, 60.0 / 255, 60.0 / 255, 60.0 / 255);
      const grid::index_t n = b.extent(td);
      for (int t = 1; t < d.threads(); ++t) {
        const grid::index_t at =
            b.lo[static_cast<std::size_t>(td)] + grid::split_start(n, d.threads(), t);
        if (td == col_dim) {
          cairo_move_to(cr, x_of(at) + 0.5, y0);
          cairo_line_to(cr, x_of(at) + 0.5, y1);
        } else {
          cairo_move_to(cr, x0, y_of(at) + 0.5);
          cairo_line_to(cr, x1, y_of(at) + 0.5);
        }
        cairo_stroke(cr);
      }
      cairo_set_dash(cr, nullptr, 0, 0.0);
    }
    cairo_set_source_rgb(cr, 0, 0, 0); // rank border
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, x0 + 0.5, y0 + 0.5, x1 - x0 - 1, y1 - y0 - 1);
    cairo_stroke(cr);
    const double size = std::clamp(std::min(x1 - x0, y1 - y0) / 3, 6.0, 48.0);
    const std::string label = std::to_string(r);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, label.c_str(), &ext);
    if (ext.width < x1 - x0 && ext.height < y1 - y0) {
      cairo_move_to(cr, (x0 + x1) / 2 - ext.width / 2 - ext.x_bearing,
                    (y0 + y1) / 2 - ext.height / 2 - ext.y_bearing);
      cairo_show_text(cr, label.c_str());
    }
  }
  cairo_surface_flush(pic.surface.get());
  if (cairo_surface_write_to_png(pic.surface.get(), path.c_str()) != CAIRO_STATUS_SUCCESS) {
    throw io_error("cannot write the layout picture " + path);
  }
}

} // namespace

void layout_png(const grid::decomposition& d, const std::string& path) {
  std::string error;
  if (is_root(d.communicator())) {
    try {
      draw_layout(d, path);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  agree(error.empty(), error, 1, d.communicator(), error_kind::io);
}

} // namespace tessera::driver
