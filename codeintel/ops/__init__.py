"""Operating a deployment: the local supervisor (`codeintel up`) and its autoscaler, LocalStack,
and the load tool (`codeintel load`)."""
