// The fault suite stops and restarts the engine and fills filesystems: its tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
