package compose

import (
	"reflect"
	"testing"
)

func TestSidekickFolding(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"docker-compose.yml": `version: '2'
services:
  php:
    image: drupal-php:7
    links: [phpdata, nginx, db]
    labels:
      io.rancher.sidekicks: phpdata, nginx
    volumes_from: [phpdata]
    secrets: [db-password]
  phpdata:
    image: drupal-php:7
    volumes: [/var/www/html]
  nginx:
    image: drupal-nginx
    volumes_from: [phpdata]
    ports: ["8000:80"]
  db:
    image: mariadb
`,
		"rancher-compose.yml": `php:
  scale: 2
nginx:
  scale: 7
  health_check: {port: 80}
`,
	})
	if got := serviceNames(p); !reflect.DeepEqual(got, []string{"db", "php"}) {
		t.Fatalf("services = %v, want [db php]", got)
	}
	php := service(t, p, "php")
	if php.Scale != 2 {
		t.Errorf("Scale = %d, want 2 (a sidekick's scale is ignored)", php.Scale)
	}
	if len(php.SecondaryLaunchConfigs) != 2 {
		t.Fatalf("%d secondary launch configs, want 2", len(php.SecondaryLaunchConfigs))
	}
	wantJSON(t, "phpdata", withoutHash(php.SecondaryLaunchConfigs[0]), `{
		"name": "phpdata", "imageUuid": "docker:drupal-php:7",
		"dataVolumes": ["/var/www/html"], "networkMode": "managed",
		"logConfig": {"driver": "", "config": {}},
		"secrets": [{"source": "db-password", "target": "db-password"}]}`)
	// A sidekick keeps the transform's port rendering and its own health
	// check, and receives the primary's secrets.
	wantJSON(t, "nginx", withoutHash(php.SecondaryLaunchConfigs[1]), `{
		"name": "nginx", "imageUuid": "docker:drupal-nginx",
		"dataVolumesFromLaunchConfigs": ["phpdata"], "ports": ["8000:80/tcp"],
		"healthCheck": {"port": 80}, "networkMode": "managed",
		"logConfig": {"driver": "", "config": {}},
		"secrets": [{"source": "db-password", "target": "db-password"}]}`)
	wantJSON(t, "primary", withoutHash(php.LaunchConfig), `{
		"imageUuid": "docker:drupal-php:7", "dataVolumesFromLaunchConfigs": ["phpdata"],
		"labels": {"io.rancher.sidekicks": "phpdata, nginx"}, "networkMode": "managed",
		"logConfig": {"driver": "", "config": {}},
		"secrets": [{"source": "db-password", "target": "db-password"}]}`)
	wantJSON(t, "links", php.Links, `[{"Target": "db", "Alias": "", "External": false}]`)
	for i, lc := range append([]map[string]any{php.LaunchConfig}, php.SecondaryLaunchConfigs...) {
		if labelsOf(lc)[hashLabel] == nil {
			t.Errorf("launch config %d has no hash label", i)
		}
	}
}

func TestDependencyOrder(t *testing.T) {
	p := mustLoad(t, map[string]string{"docker-compose.yml": `version: '2'
services:
  web:
    image: nginx
    links: [app:backend, otherstack/cache]
    external_links: [mongo/mongo-cluster:mongo]
  app:
    image: app
    depends_on: [db]
  db:
    image: postgres
    volumes_from: [data]
  data:
    image: busybox
  worker:
    image: app
    network_mode: container:vpn
  vpn:
    image: vpn
  zeta:
    image: busybox
  alpha:
    image: busybox
`})
	want := []string{"alpha", "data", "db", "app", "vpn", "web", "worker", "zeta"}
	if got := serviceNames(p); !reflect.DeepEqual(got, want) {
		t.Errorf("order = %v\nwant %v", got, want)
	}
	wantJSON(t, "web links", service(t, p, "web").Links, `[
		{"Target": "app", "Alias": "backend", "External": false},
		{"Target": "otherstack/cache", "Alias": "", "External": false},
		{"Target": "mongo/mongo-cluster", "Alias": "mongo", "External": true}]`)
	if got := service(t, p, "app").DependsOn; !reflect.DeepEqual(got, []string{"db"}) {
		t.Errorf("app DependsOn = %v, want [db]", got)
	}
}

func TestDependencyCycleIsNotAnError(t *testing.T) {
	p := mustLoad(t, map[string]string{"docker-compose.yml": `a:
  image: x
  links: [b]
b:
  image: x
  links: [a]
c:
  image: x
  links: [a]
`})
	want := []string{"a", "b", "c"}
	if got := serviceNames(p); !reflect.DeepEqual(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestServiceKinds(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"docker-compose.yml": `web:
  image: nginx
ext:
  image: rancher/external-service
dns:
  image: rancher/dns-service
  links: [web]
lb:
  image: rancher/load-balancer-service
  ports: ["443:8080", "80:8080"]
  labels:
    io.rancher.loadbalancer.ssl.ports: '443'
  links: [web:web]
`,
		"rancher-compose.yml": `ext:
  external_ips: [10.0.0.1, 10.0.0.2]
lb:
  default_cert: '*.example.org'
`,
	})
	kinds := map[string]string{}
	for _, s := range p.Services {
		kinds[s.Name] = s.Kind
	}
	wantJSON(t, "kinds", kinds, `{"web": "service", "ext": "externalService",
		"dns": "dnsService", "lb": "loadBalancerService"}`)
	wantJSON(t, "ext fields", service(t, p, "ext").Fields,
		`{"externalIpAddresses": ["10.0.0.1", "10.0.0.2"]}`)
	wantJSON(t, "lb fields", service(t, p, "lb").Fields, `{"lbConfig": {
		"defaultCert": "*.example.org",
		"portRules": [
		  {"sourcePort": 443, "targetPort": 8080, "protocol": "https", "service": "web"},
		  {"sourcePort": 80, "targetPort": 8080, "protocol": "http", "service": "web"}]}}`)
}

func TestSecretsAndVolumes(t *testing.T) {
	dir := writeFiles(t, map[string]string{"docker-compose.yml": `version: '2'
services:
  app:
    image: app
    secrets:
    - api-key
    - source: db.stack.password
      target: password
      uid: '0'
      gid: '1000'
      mode: 0440
    - source: existing
      mode: '0400'
    volumes:
    - data:/data
    - undeclared:/other
secrets:
  api-key:
    file: ./secrets/api-key.txt
  db.stack.password:
    external: true
volumes:
  data:
    driver: local
    driver_opts: {type: tmpfs}
`})
	p, err := loadDir(t, dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantJSON(t, "secret refs", service(t, p, "app").LaunchConfig["secrets"], `[
		{"source": "api-key", "target": "api-key"},
		{"source": "db.stack.password", "target": "password", "uid": "0", "gid": "1000",
		 "mode": "440"},
		{"source": "existing", "target": "existing", "mode": "400"}]`)
	wantJSON(t, "secrets", p.Secrets, `{
		"api-key": {"Name": "api-key", "File": "`+dir+`/secrets/api-key.txt",
		            "External": false},
		"db.stack.password": {"Name": "db.stack.password", "File": "", "External": true}}`)
	wantJSON(t, "volumes", p.Volumes, `{"data": {"Name": "data", "Driver": "local",
		"DriverOpts": {"type": "tmpfs"}, "External": false, "PerContainer": false}}`)
}
