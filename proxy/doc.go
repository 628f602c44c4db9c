// Package proxy is spinlocal's stand-in for Spin's perimeter reverse proxy: it serves the
// host names of the proxy entries on an HTTP and an HTTPS port, balances each request or
// connection over the running containers of the entry's service, and either terminates
// HTTPS with certificates of a local CA that spinlocal makes, or passes the TLS stream
// through, chosen by the SNI name, to a service that terminates it itself.
package proxy
