"""Distributors run the per-shard function over all shards: on local threads, Spark or Ray."""
