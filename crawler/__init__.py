"""The Scrapy project: thin spiders per source, item pipelines, one settings module."""
