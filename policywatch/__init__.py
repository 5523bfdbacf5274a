"""policywatch: monitor Chinese industrial and telecom policy news."""

__version__ = "0.1.0"
