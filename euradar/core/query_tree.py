"""Walking the query tree of :mod:`euradar.core.query_syntax`: what the backends, the
in-memory matcher and the zero-hit help need besides parsing (which leaves count for a match,
the tree's truth value, a tree without one filter, the tree written back as text). Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from euradar.core.query_syntax import And, Field, Leaf, Node, Not, Or


def positive_leaves(node: Node | None, negated: bool = False) -> Iterator[Leaf]:
    """The leaves whose presence makes an item match (not under an odd number of NOTs):
    what highlights mark and what "why you get this" may name."""
    if node is None:
        return
    if isinstance(node, (And, Or)):
        for arg in node.args:
            yield from positive_leaves(arg, negated)
    elif isinstance(node, Not):
        yield from positive_leaves(node.arg, not negated)
    elif not negated:
        yield node


def has_text(node: Node | None) -> bool:
    """Whether the query scores by relevance (it has a word, phrase or prefix)."""
    return any(not isinstance(leaf, Field) for leaf in positive_leaves(node))


def evaluate(node: Node | None, leaf_matches: Callable[[Leaf], bool]) -> bool:
    """The boolean value of the tree, given whether each leaf matches (in-memory matching)."""
    if node is None:
        return True
    if isinstance(node, And):
        return all(evaluate(a, leaf_matches) for a in node.args)
    if isinstance(node, Or):
        return any(evaluate(a, leaf_matches) for a in node.args)
    if isinstance(node, Not):
        return not evaluate(node.arg, leaf_matches)
    return leaf_matches(node)


def without_leaf(node: Node | None, target: Leaf) -> Node | None:
    """The tree with one leaf removed (a "drop this filter" link); None if nothing is left."""
    if node is None or node == target:
        return None
    if isinstance(node, Not):
        inner = without_leaf(node.arg, target)
        return None if inner is None else Not(inner)
    if isinstance(node, (And, Or)):
        args = tuple(a for a in (without_leaf(arg, target) for arg in node.args) if a is not None)
        if not args:
            return None
        return args[0] if len(args) == 1 else type(node)(args)
    return node


def to_text(node: Node | None) -> str:
    """The tree written back in the query language (parenthesised where needed)."""
    if node is None:
        return ""
    if isinstance(node, Not):
        inner = to_text(node.arg)
        return f"NOT ({inner})" if isinstance(node.arg, (And, Or)) else f"NOT {inner}"
    if isinstance(node, And):
        return " ".join(f"({to_text(a)})" if isinstance(a, Or) else to_text(a) for a in node.args)
    if isinstance(node, Or):
        return " OR ".join(to_text(a) for a in node.args)
    return node.source
