"""Why a page could not be turned into a document."""


class ExtractionError(ValueError):
    """The page is empty, undecodable or has no article text by any path."""


class BlockedPage(ExtractionError):
    """The response is a block / challenge page, not the article."""
