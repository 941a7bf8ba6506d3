"""Boundary conditions for halo exchanges, spelt as the configuration's [boundary] tables.

A specification is a dict from sides to conditions::

    {"all": "neumann",                                  # every side first,
     "x+": {"type": "dirichlet", "value": 1.0},         # then single sides: x-, x+, y-, y+, z-, z+
     "y-": {"type": "neumann", "derivative": 0.5}}

Types: ``none`` (ghosts left as they are), ``neumann`` (``derivative``, default 0: outward
derivative, with the cell size from ``spacing``), ``dirichlet`` (``value``, required: the value on
the face), ``constant`` (``value``, default 0: the ghosts' value), ``extrapolated`` (linear from
the two outermost cells), ``mixed`` (py-pde's Robin condition: outward derivative + ``value`` * u
= ``const`` on the face, both default 0, with the cell size from ``spacing``). Sides of periodic
dimensions are ignored.
"""

from ._errors import UsageError

_SIDES = {"x-": (0, -1), "x+": (0, 1), "y-": (1, -1), "y+": (1, 1), "z-": (2, -1), "z+": (2, 1)}
_KEYS = {
    "none": {},
    "neumann": {"derivative": 0.0},
    "dirichlet": {"value": None},
    "constant": {"value": 0.0},
    "extrapolated": {},
    "mixed": {"value": 0.0, "const": 0.0},
}


def _condition(where, spec):
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict) or "type" not in spec:
        raise UsageError("boundary %s: expected a type name or a dict with 'type', got %r" % (where, spec))
    kind = spec["type"]
    if kind not in _KEYS:
        raise UsageError("boundary %s: unknown type '%s' (%s)" % (where, kind, ", ".join(_KEYS)))
    for k in spec:
        if k != "type" and k not in _KEYS[kind]:
            raise UsageError("boundary %s: unknown key '%s' for type '%s'" % (where, k, kind))
    values = dict(_KEYS[kind])
    values.update({k: v for k, v in spec.items() if k != "type"})
    for k, v in values.items():
        if v is None:
            raise UsageError("boundary %s: type '%s' needs '%s'" % (where, kind, k))
    return kind, values


def sides(spec, ndim, spacing=None):
    """[(dim, side, kind, value, const, spacing)] for the compiled module: every side of an ndim-D
    grid."""
    if spec is None:
        return []
    if not isinstance(spec, dict):
        raise UsageError("boundary: expected a dict of sides (all, x-, x+, ...), got %r" % (spec,))
    spacing = list(spacing) if spacing is not None else [1.0] * ndim
    chosen = {}
    if "all" in spec:
        c = _condition("all", spec["all"])
        for name, (d, s) in _SIDES.items():
            if d < ndim:
                chosen[(d, s)] = c
    for name, c in spec.items():
        if name == "all":
            continue
        if name not in _SIDES:
            raise UsageError("boundary: unknown side '%s' (all, %s)" % (name, ", ".join(_SIDES)))
        d, s = _SIDES[name]
        if d >= ndim:
            raise UsageError("boundary: side '%s' of a %d-D grid" % (name, ndim))
        chosen[(d, s)] = _condition(name, c)
    out = []
    for (d, s), (kind, values) in sorted(chosen.items()):
        if kind == "neumann":
            value = float(values["derivative"]) * float(spacing[d])
        else:
            value = float(values.get("value", 0.0))
        out.append((d, s, kind, value, float(values.get("const", 0.0)), float(spacing[d])))
    return out
