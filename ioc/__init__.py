"""Core of the IOC stream processor: settings, record contracts, feeds, storage and local infrastructure."""
