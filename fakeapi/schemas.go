package fakeapi

import "strings"

// schemaDef describes one published type: its collection path under the scope and the
// methods the CLI checks before it acts.
type schemaDef struct {
	id         string
	plural     string
	collection []string
	resource   []string
}

var (
	getPost      = []string{"GET", "POST"}
	getOnly      = []string{"GET"}
	getPutDelete = []string{"GET", "PUT", "DELETE"}
	getDelete    = []string{"GET", "DELETE"}
	noMethods    = []string{}
)

// accountSchemas are published at {api}/schemas.
var accountSchemas = []schemaDef{
	{"schema", "schemas", getOnly, getOnly},
	{"apiVersion", "apiVersions", getOnly, getOnly},
	{"project", "projects", getPost, getDelete},
	{"projectTemplate", "projectTemplates", getOnly, getOnly},
	{"error", "errors", noMethods, noMethods},
}

// projectSchemas are published at {p}/schemas; every type a lookup may try is here.
var projectSchemas = []schemaDef{
	{"schema", "schemas", getOnly, getOnly},
	{"project", "projects", getOnly, getOnly},
	{"stack", "stacks", getPost, getPutDelete},
	{"service", "services", getPost, getPutDelete},
	{"loadBalancerService", "loadBalancerServices", getPost, getPutDelete},
	{"dnsService", "dnsServices", getPost, getPutDelete},
	{"externalService", "externalServices", getPost, getPutDelete},
	{"container", "containers", getOnly, getPutDelete},
	{"instance", "instances", getOnly, getOnly},
	{"host", "hosts", getOnly, getOnly},
	{"volume", "volumes", getPost, getDelete},
	{"volumeTemplate", "volumeTemplates", getPost, getDelete},
	{"secret", "secrets", getPost, getDelete},
	{"serviceConsumeMap", "serviceConsumeMaps", getOnly, getOnly},
	{"certificate", "certificates", getOnly, getOnly},
	{"pullTask", "pullTasks", getPost, getOnly},
	{"setting", "settings", getOnly, getOnly},
	{"serviceLog", "serviceLogs", getOnly, getOnly},
	{"machine", "machines", getOnly, getOnly},
	{"projectTemplate", "projectTemplates", getOnly, getOnly},
	{"subscribe", "subscribe", getOnly, noMethods},
	{"hostAccess", "hostAccesses", noMethods, noMethods},
	{"composeConfig", "composeConfigs", noMethods, noMethods},
	{"error", "errors", noMethods, noMethods},
}

// catalogSchemas are published at {cat}/schemas.
var catalogSchemas = []schemaDef{
	{"schema", "schemas", getOnly, getOnly},
	{"template", "templates", getOnly, getOnly},
	{"templateVersion", "templateVersions", getOnly, getOnly},
}

// schemaCollection renders a schema list whose collections live under prefix.
func schemaCollection(prefix string, defs []schemaDef) map[string]any {
	data := make([]any, 0, len(defs))
	for _, d := range defs {
		data = append(data, schemaResource(prefix, d))
	}
	return map[string]any{"type": "collection", "resourceType": "schema",
		"links": map[string]any{"self": prefix + "/schemas"}, "createTypes": map[string]any{},
		"actions": map[string]any{}, "data": data, "sortLinks": map[string]any{},
		"pagination": map[string]any{"limit": 1000, "partial": false}, "sort": nil,
		"filters": map[string]any{}}
}

func schemaResource(prefix string, d schemaDef) map[string]any {
	links := map[string]any{"self": prefix + "/schemas/" + strings.ToLower(d.id)}
	if len(d.collection) > 0 {
		links["collection"] = prefix + "/" + strings.ToLower(d.plural)
	}
	return map[string]any{"id": d.id, "type": "schema", "pluralName": d.plural,
		"links": links, "actions": map[string]any{}, "collectionMethods": d.collection,
		"resourceMethods": d.resource, "resourceFields": map[string]any{},
		"resourceActions": map[string]any{}, "collectionFilters": map[string]any{},
		"collectionActions": map[string]any{}}
}

// findSchema returns the schema with id or plural name (case-insensitive): the CLI asks for
// {p}/schemas/schemas at the start of every project-scoped command.
func findSchema(defs []schemaDef, id string) (schemaDef, bool) {
	for _, d := range defs {
		if strings.EqualFold(d.id, id) || strings.EqualFold(d.plural, id) {
			return d, true
		}
	}
	return schemaDef{}, false
}
