// Package dockerproxy serves the websocket behind the host action "dockersocket", through
// which `rancher docker` runs the local docker client against the host (cattle-api 6.5).
// Each websocket carries one HTTP connection of the docker client as base64 text frames.
// The proxy reads every request, lets through the ones that concern the caller's own
// containers (rewriting the names users type to Docker ids and filtering lists), answers
// the rest with a refusal the docker client prints, and relays what Docker replies,
// upgraded exec and attach streams included. It never hands out the raw engine socket.
package dockerproxy
