// The expression solver's arithmetic, in one place: the solver includes this file, and the
// code generator copies its text verbatim into every generated kernel source, so the row
// interpreter, the parameters computed on the host and the compiled kernels all use the very
// same definitions (with -ffp-contract=off everywhere: no fused multiply-adds).
// Keep it free of other includes than <cmath> and of anything that depends on the host build.
#include <cmath>

namespace tessera_pde {

/// x**n for an integer literal n, as numba compiles it: multiply by x^(2^k) for each set bit k of
/// |n|, lowest first, squaring in between; 1/result for n < 0; x**0 = 1. The generated kernels
/// use powi_c<n> (the same steps, unrolled at compile time); the interpreter this loop.
inline double powi(double x, long n) {
  const bool invert = n < 0;
  unsigned long e = invert ? 0UL - static_cast<unsigned long>(n) : static_cast<unsigned long>(n);
  double result = 1.0;
  bool first = true;
  double square = x;
  while (e != 0) {
    if ((e & 1UL) != 0) {
      result = first ? square : result * square;
      first = false;
    }
    e >>= 1;
    if (e != 0) {
      square = square * square;
    }
  }
  return invert ? 1.0 / result : result;
}

template <unsigned long E, bool First>
inline double powi_bits(double result, double square) {
  if constexpr (E == 0) {
    return result;
  } else {
    double r = result;
    if constexpr ((E & 1UL) != 0) {
      r = First ? square : result * square;
    }
    if constexpr ((E >> 1) != 0) {
      return powi_bits < (E >> 1), First && (E & 1UL) == 0 > (r, square * square);
    } else {
      return r;
    }
  }
}

template <long N>
inline double powi_c(double x) {
  if constexpr (N < 0) {
    return 1.0 / powi_bits<0UL - static_cast<unsigned long>(N), true>(1.0, x);
  } else {
    return powi_bits<static_cast<unsigned long>(N), true>(1.0, x);
  }
}

/// sympy's sign: -1, 0 (keeping the zero's sign) or 1; NaN stays NaN.
inline double sign(double x) {
  return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : x);
}

/// py-pde's heaviside(x, h0): 0 for x < 0, h0 at 0, 1 for x > 0, NaN for NaN.
inline double heaviside(double x, double h0) {
  return x != x ? x : (x == 0.0 ? h0 : (x < 0.0 ? 0.0 : 1.0));
}

/// min and max as Python's builtins take two values: the first unless the second is smaller
/// (larger).
inline double min2(double a, double b) {
  return b < a ? b : a;
}
inline double max2(double a, double b) {
  return a < b ? b : a;
}

/// The element-wise functions, numbered as tessera::solvers::pde_function (exp, log, sqrt, sin,
/// cos, tan, sinh, cosh, tanh, asin, acos, atan, atan2, abs, sign, floor, ceil, min, max,
/// heaviside); `b` is the second argument of atan2 (x), min, max and heaviside (h0).
inline double apply(int f, double a, double b) {
  switch (f) {
  case 0: return std::exp(a);
  case 1: return std::log(a);
  case 2: return std::sqrt(a);
  case 3: return std::sin(a);
  case 4: return std::cos(a);
  case 5: return std::tan(a);
  case 6: return std::sinh(a);
  case 7: return std::cosh(a);
  case 8: return std::tanh(a);
  case 9: return std::asin(a);
  case 10: return std::acos(a);
  case 11: return std::atan(a);
  case 12: return std::atan2(a, b);
  case 13: return std::fabs(a);
  case 14: return sign(a);
  case 15: return std::floor(a);
  case 16: return std::ceil(a);
  case 17: return min2(a, b);
  case 18: return max2(a, b);
  default: return heaviside(a, b);
  }
}

/// One dimension's terms of py-pde's stencils at offset p, neighbours s apart.
inline double second_difference(const double* a, long p, long s) {
  return a[p - s] - 2.0 * a[p] + a[p + s]; // laplace's (a[i-1] - 2 a[i] + a[i+1])
}
inline double second_difference_right_first(const double* a, long p, long s) {
  return a[p + s] - 2.0 * a[p] + a[p - s]; // d2_dx2's (a[i+1] - 2 a[i] + a[i-1])
}
inline double central_difference(const double* a, long p, long s) {
  return a[p + s] - a[p - s];
}

/// Operator Kind (numbered as tessera::solvers::pde_stencil: laplace, gradient_squared,
/// derivative, forward, backward, second, gradient) of `a` at offset p of an ND-D grid, along Axis
/// for the one-dimensional ones; s[d] is dimension d's stride, k[d] its scale parameter. Exactly
/// py-pde's arithmetic: laplace sums (a[-1] - 2a + a[+1])/dx² dimension by dimension,
/// gradient_squared (a[+1] - a[-1])²/(4dx²), d_dx is (a[+1] - a[-1]) / (2dx), a gradient's
/// component (a[+1] - a[-1]) * (0.5/dx).
template <int Kind, int Axis, int ND>
inline double stencil_c(const double* a, long p, const long* s, const double* k) {
  if constexpr (Kind == 0) {
    double l = second_difference(a, p, s[0]) * k[0];
    if constexpr (ND > 1) {
      l += second_difference(a, p, s[1]) * k[1];
    }
    if constexpr (ND > 2) {
      l += second_difference(a, p, s[2]) * k[2];
    }
    return l;
  } else if constexpr (Kind == 1) {
    const double d0 = central_difference(a, p, s[0]);
    double g = (d0 * d0) * k[0];
    if constexpr (ND > 1) {
      const double d1 = central_difference(a, p, s[1]);
      g += (d1 * d1) * k[1];
    }
    if constexpr (ND > 2) {
      const double d2 = central_difference(a, p, s[2]);
      g += (d2 * d2) * k[2];
    }
    return g;
  } else if constexpr (Kind == 2) {
    return central_difference(a, p, s[Axis]) / k[Axis];
  } else if constexpr (Kind == 3) {
    return (a[p + s[Axis]] - a[p]) / k[Axis];
  } else if constexpr (Kind == 4) {
    return (a[p] - a[p - s[Axis]]) / k[Axis];
  } else if constexpr (Kind == 5) {
    return second_difference_right_first(a, p, s[Axis]) * k[Axis];
  } else {
    return central_difference(a, p, s[Axis]) * k[Axis]; // gradient's component, k = 0.5/dx
  }
}

/// The same chosen at run time (the interpreter).
template <int Kind, int ND>
inline double stencil_axis(int axis, const double* a, long p, const long* s, const double* k) {
  switch (axis) {
  case 0: return stencil_c<Kind, 0, ND>(a, p, s, k);
  case 1: return stencil_c<Kind, (ND > 1 ? 1 : 0), ND>(a, p, s, k);
  default: return stencil_c<Kind, (ND > 2 ? 2 : 0), ND>(a, p, s, k);
  }
}
template <int ND>
inline double stencil_kind(int kind, int axis, const double* a, long p, const long* s,
                           const double* k) {
  switch (kind) {
  case 0: return stencil_axis<0, ND>(axis, a, p, s, k);
  case 1: return stencil_axis<1, ND>(axis, a, p, s, k);
  case 2: return stencil_axis<2, ND>(axis, a, p, s, k);
  case 3: return stencil_axis<3, ND>(axis, a, p, s, k);
  case 4: return stencil_axis<4, ND>(axis, a, p, s, k);
  case 5: return stencil_axis<5, ND>(axis, a, p, s, k);
  default: return stencil_axis<6, ND>(axis, a, p, s, k);
  }
}
inline double stencil(int kind, int axis, int nd, const double* a, long p, const long* s,
                      const double* k) {
  switch (nd) {
  case 1: return stencil_kind<1>(kind, axis, a, p, s, k);
  case 2: return stencil_kind<2>(kind, axis, a, p, s, k);
  default: return stencil_kind<3>(kind, axis, a, p, s, k);
  }
}

/// The last pass hands f to the integrators' sink (tessera::solvers::rhs_sink::kind: store,
/// scaled, step, scaled_and_half_step) at offset p.
inline void sink(int kind, double h, double f, double* y, const double* x, double* z, long p) {
  switch (kind) {
  case 0: y[p] = f; break;
  case 1: y[p] = h * f; break;
  case 2: y[p] = x[p] + h * f; break;
  default: {
    const double scaled = h * f;
    y[p] = scaled;
    z[p] = x[p] + scaled / 2.0;
  }
  }
}

/// The same with the kind known at compile time (the generated kernels).
template <int Kind>
inline void sink_c(double h, double f, double* y, const double* x, double* z, long p) {
  if constexpr (Kind == 0) {
    y[p] = f;
  } else if constexpr (Kind == 1) {
    y[p] = h * f;
  } else if constexpr (Kind == 2) {
    y[p] = x[p] + h * f;
  } else {
    const double scaled = h * f;
    y[p] = scaled;
    z[p] = x[p] + scaled / 2.0;
  }
}

/// The arguments of a generated pass (and of the interpreter): every pointer is a field origin
/// (local cell 0), so cell (i, j, k) is at offset i·stride[0] + j·stride[1] + k.
struct pass_args {
  double* const* fields;       // state components, then intermediates (the plan's numbering)
  const double* params;        // the plan's parameters
  const double* const* coords; // per dimension: the cell centre of local index i at [i]
  long lo[3];                  // the box computed, local indices
  long hi[3];
  long stride[3];
  int sink;         // last pass: rhs_sink::kind
  double h;         // last pass: the sink's h
  double* const* y; // last pass: per component
  const double* const* x;
  double* const* z;
};

} // namespace tessera_pde
