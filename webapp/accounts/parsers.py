"""The REST JSON parser, with a nesting limit: a body nested deeper than JSON_MAX_DEPTH (or so
deep that the decoder recurses out) is a 400, never a RecursionError and a 500."""
from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether `value` nests containers deeper than `limit` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.JSON_MAX_DEPTH
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels") from None
        if json_depth_exceeds(data, limit):
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels")
        return data
