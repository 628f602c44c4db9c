package mounts

// DroppedCaps are the capabilities a container that mounts /global runs without, from
// Spin's table: without them root in the container is held to the files' owners and
// modes, much as root squashing held it to user nobody on GPFS.
func DroppedCaps() []string {
	return []string{"CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID"}
}
