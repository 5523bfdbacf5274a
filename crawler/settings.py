"""Scrapy settings: the one place for crawl behaviour. Runtime values (user agent, delays,
host map, the database) come from policywatch's config via crawler.runner.

Defaults stay polite to the real sites: robots.txt obeyed, one request at a time per host, at
least 1 s between requests (per-source delays are larger), AutoThrottle on, retries with back-off.
"""

BOT_NAME = "policywatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5  # 0.5x-1.5x of the delay; the config enforces a 1 s floor
DOWNLOAD_TIMEOUT = 30
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 4.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
# 429 and 403 are block answers: crawler.blocks pauses the host, then the URL is retried once
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
POLICYWATCH_RETRY_BACKOFF_BASE = 5.0
POLICYWATCH_RETRY_BACKOFF_MAX = 120.0
# block answers: pause the host (doubling per block in a row, Retry-After honoured), retry the
# URL after the pause, park it when blocked again, stop the source after N blocks in a row
POLICYWATCH_BLOCK_COOLDOWN = 120.0
POLICYWATCH_BLOCK_COOLDOWN_MAX = 1800.0
POLICYWATCH_BLOCK_RETRIES = 1
POLICYWATCH_MAX_CONSECUTIVE_BLOCKS = 4

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en,zh-CN;q=0.9,zh;q=0.8",
}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.AuditedRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.RobotsAuditMiddleware": 560,
    # last before the downloader: everything above it sees real URLs only; with a host map
    # it is also the allow-list (unmapped hosts are refused, never sent)
    "crawler.middlewares.HostMapMiddleware": 950,
}
EXTENSIONS = {"crawler.blocks.HostCooldown": 500}
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    "crawler.pipelines.StorePipeline": 500,
}

# real host -> "127.0.0.1:PORT"; filled from POLICYWATCH_HOST_MAP / [crawl] host_map
POLICYWATCH_HOST_MAP: dict[str, str] = {}
# refused connections to one real host before its source gives up (1 for a mapped mirror)
POLICYWATCH_REFUSED_LIMIT = 3

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = False  # policywatch configures logging (one line per event)
LOG_FORMATTER = "crawler.middlewares.QuietLogFormatter"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
