package engine

// Labels that tie Docker objects to the daemon's records.
const (
	// LabelDaemon carries the id of the daemon instance (its state dir) that owns the
	// object; a daemon touches nothing without its own id.
	LabelDaemon = "io.spinlocal.daemon"
	// LabelContainerID is the Cattle id of the container record (1i13).
	LabelContainerID = "io.spinlocal.container.id"
	// LabelProjectID is the environment (1a5) the object belongs to.
	LabelProjectID = "io.spinlocal.project.id"
)
