package audit

// officialImages are Docker Hub's official ("library") repositories of the
// Spin era, 2018 to 2021. The list only decides between the image-official
// warning and silence, so a missing name costs a warning, never a
// rejection.
var officialImages = setOf(
	"adminer", "aerospike", "alpine", "amazoncorretto", "amazonlinux", "arangodb",
	"backdrop", "bash", "bonita", "buildpack-deps", "busybox", "caddy", "cassandra",
	"centos", "chronograf", "cirros", "clearlinux", "clojure", "composer", "consul",
	"convertigo", "couchbase", "couchdb", "crate", "dart", "debian", "docker", "drupal",
	"eclipse-mosquitto", "eggdrop", "elasticsearch", "elixir", "erlang", "fedora",
	"flink", "fluentd", "friendica", "gazebo", "gcc", "geonetwork", "ghost", "golang",
	"gradle", "groovy", "haproxy", "haskell", "haxe", "hello-world", "httpd", "hylang",
	"ibmjava", "influxdb", "irssi", "jenkins", "jetty", "joomla", "jruby", "julia",
	"kapacitor", "kibana", "known", "kong", "lightstreamer", "logstash", "mageia",
	"mariadb", "matomo", "maven", "mediawiki", "memcached", "mongo", "mongo-express",
	"mono", "mysql", "nats", "nats-streaming", "neo4j", "neurodebian", "nextcloud",
	"nginx", "node", "notary", "nuxeo", "odoo", "open-liberty", "openjdk", "oraclelinux",
	"orientdb", "percona", "perl", "photon", "php", "php-zendserver", "phpmyadmin",
	"plone", "postfixadmin", "postgres", "pypy", "python", "r-base", "rabbitmq",
	"rakudo-star", "redis", "redmine", "registry", "rethinkdb", "rocket.chat", "ros",
	"ruby", "rust", "sentry", "silverpeas", "solr", "sonarqube", "sourcemage", "spiped",
	"storm", "swarm", "swift", "teamspeak", "telegraf", "tomcat", "tomee", "traefik",
	"ubuntu", "varnish", "vault", "websphere-liberty", "wordpress", "xwiki", "yourls",
	"znc", "zookeeper",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
