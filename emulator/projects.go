package emulator

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Environments (projects). Spin's three are NERSC's: they are always there, every user
// sees them, and nobody may deactivate or remove them. A user may create more, from the
// Cattle template; such an environment has its own id, Docker network and state, belongs
// to its creator, and is seen by its creator only unless the daemon config shares it
// (environments: visible_to: everyone).
//
// States follow Cattle: active, deactivating, inactive, activating, removing, removed.
// Deactivating stops the environment's running services (their containers are kept) and
// activating starts those same services again. Nothing in an environment that is not
// active may be created or started. Removal needs an inactive environment, as in Cattle,
// and takes everything with it: stacks, services, containers, volumes, secrets and the
// Docker network.

// prefixProject gives environment ids their Cattle form, 1a<n>.
const prefixProject = "a"

// ProjectTemplate is an environment template. spinlocal has one, Cattle, as Spin did.
type ProjectTemplate struct {
	ID, Name, Description string
}

// CattleTemplate is the template every environment is made from.
var CattleTemplate = ProjectTemplate{ID: "1pt1", Name: "Cattle",
	Description: "Default Cattle template"}

// ProjectInput is what `rancher env create` sends.
type ProjectInput struct {
	Name        string
	Description string
	TemplateID  string
}

// maxProjectName bounds environment names: the name is a DNS label of the public names.
const maxProjectName = 63

// validProjectName accepts a DNS label: letters, digits and '-', not at either end. The
// name becomes part of the Docker network, volume and public DNS names.
func validProjectName(n string) error {
	if n == "" {
		return invalid("MissingRequired", "name", "an environment needs a name")
	}
	ok := len(n) <= maxProjectName && n[0] != '-' && n[len(n)-1] != '-'
	for _, r := range n {
		if !isAlnum(r) && r != '-' {
			ok = false
		}
	}
	if strings.HasPrefix(strings.ToLower(n), "1"+prefixProject) {
		return invalid("InvalidCharacters", "name", fmt.Sprintf("environment name %q "+
			"starts like an environment id (1a...), and the CLI takes such a name for an "+
			"id; choose another name", n))
	}
	if !ok {
		return invalid("InvalidCharacters", "name", fmt.Sprintf("environment name %q is not "+
			"allowed: use letters, digits and '-' (not first or last), at most %d "+
			"characters; it becomes part of Docker and DNS names", n, maxProjectName))
	}
	return nil
}

// builtinProject reports whether id is one of Spin's three environments.
func builtinProject(id string) bool {
	for _, env := range spinEnvironments {
		if env.id == id {
			return true
		}
	}
	return false
}

// CreateProject makes an environment owned by the caller. It is active at once: it has
// nothing to start until stacks are deployed into it.
func (e *Emulator) CreateProject(caller Caller, in ProjectInput) (Project, error) {
	if err := validProjectName(in.Name); err != nil {
		return Project{}, err
	}
	if in.TemplateID == "" {
		in.TemplateID = CattleTemplate.ID
	}
	if in.TemplateID != CattleTemplate.ID {
		return Project{}, invalid("InvalidReference", "projectTemplateId", fmt.Sprintf(
			"environment template %q does not exist; the one template is %s (%s), as on "+
				"Spin", in.TemplateID, CattleTemplate.Name, CattleTemplate.ID))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.projects {
		if p.Removed == nil && strings.EqualFold(p.Name, in.Name) {
			if !e.visible(caller, p) {
				// Someone else's private environment: say no more than that it is taken.
				return Project{}, invalid("NotUnique", "name", fmt.Sprintf(
					"the environment name %s is taken; choose another name", in.Name))
			}
			return Project{}, invalid("NotUnique", "name", fmt.Sprintf(
				"an environment named %s already exists (%s); choose another name",
				p.Name, p.ID))
		}
	}
	id, err := e.newProjectID()
	if err != nil {
		return Project{}, err
	}
	p := &Project{Meta: Meta{ID: id, Type: KindProject, Name: in.Name,
		Description: in.Description, UUID: newUUID(), Created: time.Now().UTC()},
		Orchestration: "cattle", Owner: caller.User, TemplateID: in.TemplateID}
	setState(&p.Meta, "active", "")
	e.projects[id] = p
	if err := e.put(p); err != nil {
		delete(e.projects, id)
		return Project{}, err
	}
	e.log.Info("environment created", "id", id, "name", p.Name, "owner", p.Owner)
	return *p, nil
}

// newProjectID allocates the next 1a id that no environment has (Spin's three hold fixed
// numbers). Callers hold e.mu.
func (e *Emulator) newProjectID() (string, error) {
	for {
		id, err := e.nextID(prefixProject)
		if err != nil {
			return "", err
		}
		if _, taken := e.projects[id]; !taken {
			return id, nil
		}
	}
}

// ProjectAction runs activate or deactivate on an environment.
func (e *Emulator) ProjectAction(caller Caller, id, action string) (Project, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.mayChangeProject(caller, id)
	if err != nil {
		return Project{}, err
	}
	if !slices.Contains(ProjectActions(p.State), action) {
		return Project{}, actionNotAvailable(action)
	}
	var changed []any
	switch action {
	case "deactivate":
		changed, err = e.pauseServices(p)
	case "activate":
		changed = e.resumeServices(p)
	default:
		err = &APIError{Status: 422, Code: "InvalidAction", FieldName: "action",
			Message: fmt.Sprintf("environments have no action %s", action)}
	}
	if err != nil {
		return Project{}, err
	}
	if err := e.put(append(changed, p)...); err != nil {
		return Project{}, err
	}
	e.log.Info("environment "+action+" started", "id", p.ID, "name", p.Name)
	e.Kick()
	return *p, nil
}

// upgradeStates are the service states an environment cannot be deactivated in: the
// upgrade must be finished or rolled back first, as for the service itself.
var upgradeStates = map[string]bool{"upgrading": true, "upgraded": true,
	"finishing-upgrade": true, "rolling-back": true, "canceling-upgrade": true,
	"canceled-upgrade": true}

// pauseServices deactivates the running services of an environment and stops the
// containers users started by hand in inactive services. It checks every service before
// it changes one. Callers hold e.mu.
func (e *Emulator) pauseServices(p *Project) ([]any, error) {
	services := e.projectServices(p.ID)
	for _, svc := range services {
		if upgradeStates[svc.State] {
			return nil, invalid("InvalidState", "", fmt.Sprintf("Service %s is not in valid "+
				"state to be deactivated: %s; finish or roll back its upgrade first "+
				"(rancher up --confirm-upgrade or --rollback)", e.serviceLabel(svc),
				svc.State))
		}
	}
	var changed []any
	p.Paused = nil
	for _, svc := range services {
		switch svc.State {
		case "active", "activating", "updating-active", "restarting", "error":
			setState(&svc.Meta, "deactivating", "")
			p.Paused = append(p.Paused, svc.ID)
			changed = append(changed, svc)
		case "inactive":
			for _, c := range e.liveContainers(svc.ID) {
				if c.State == "running" || c.State == "starting" {
					setState(&c.Meta, "stopping", "")
					changed = append(changed, c)
				}
			}
		}
	}
	setState(&p.Meta, "deactivating", "")
	return changed, nil
}

// resumeServices activates again the services deactivation stopped. Callers hold e.mu.
func (e *Emulator) resumeServices(p *Project) []any {
	var changed []any
	for _, id := range p.Paused {
		svc, ok := e.services[id]
		if ok && svc.Removed == nil && svc.State == "inactive" {
			setState(&svc.Meta, "activating", "")
			svc.Failures, svc.RetryAt = 0, time.Time{}
			changed = append(changed, svc)
		}
	}
	p.Paused = nil
	setState(&p.Meta, "activating", "")
	return changed
}

// RemoveProject removes an inactive environment with everything in it. The environment
// shows removing until the reconciler has removed its containers, volumes and network.
func (e *Emulator) RemoveProject(caller Caller, id string) (Project, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.mayChangeProject(caller, id)
	if err != nil {
		return Project{}, err
	}
	switch p.State {
	case "removing", "removed":
		return *p, nil
	case "inactive":
	case "deactivating":
		return Project{}, &APIError{Status: 405, Code: "Method not allowed", Message: fmt.
			Sprintf("environment %s is still deactivating (its services are stopping): "+
				"remove it once rancher env ls -a shows it inactive", p.Name)}
	default:
		return Project{}, &APIError{Status: 405, Code: "Method not allowed", Message: fmt.
			Sprintf("environment %s is %s: deactivate it first (rancher env deactivate %s), "+
				"then remove it", p.Name, p.State, p.Name)}
	}
	changed := e.dropContents(p)
	setState(&p.Meta, "removing", "")
	if err := e.put(append(changed, p)...); err != nil {
		return Project{}, err
	}
	e.log.Info("environment removal started", "id", p.ID, "name", p.Name)
	e.Kick()
	return *p, nil
}

// dropContents marks every stack, service, environment volume and secret of an
// environment for removal; the reconciler removes the containers, then the volumes.
// Callers hold e.mu.
func (e *Emulator) dropContents(p *Project) []any {
	var changed []any
	for _, st := range e.stacks {
		if st.AccountID == p.ID && st.Removed == nil && st.State != "removing" {
			setState(&st.Meta, "removing", "")
			changed = append(changed, st)
		}
	}
	for _, svc := range e.projectServices(p.ID) {
		if svc.State != "removing" {
			setState(&svc.Meta, "removing", "")
			changed = append(changed, svc)
		}
	}
	for _, v := range e.volumes {
		if v.AccountID == p.ID && v.Removed == nil && v.State != "removing" {
			setState(&v.Meta, "removing", "")
			changed = append(changed, v)
		}
	}
	for _, s := range e.secrets {
		if s.AccountID == p.ID && s.Removed == nil {
			setState(&s.Meta, "removed", "")
			s.Sealed = nil
			changed = append(changed, s)
		}
	}
	return changed
}

// projectServices lists the services of an environment that are not removed, by id.
// Callers hold e.mu.
func (e *Emulator) projectServices(pid string) []*Service {
	var out []*Service
	for _, svc := range sortedValues(e.services) {
		if svc.AccountID == pid && svc.Removed == nil {
			out = append(out, svc)
		}
	}
	return out
}

// serviceLabel names a service as stack/service. Callers hold e.mu.
func (e *Emulator) serviceLabel(svc *Service) string {
	if st, ok := e.stacks[svc.StackID]; ok {
		return st.Name + "/" + svc.Name
	}
	return svc.Name
}

// writable refuses to create or start anything in an environment that is not active
// (Cattle answered 403 for a project that was not). Callers hold e.mu.
func (e *Emulator) writable(pid string) error {
	p, ok := e.projects[pid]
	if !ok {
		return notFound()
	}
	if p.State == "active" || p.State == "activating" {
		return nil
	}
	how := fmt.Sprintf("activate it first (rancher env activate %s)", p.Name)
	if p.State == "removing" || p.State == "removed" {
		how = "it is being removed"
	}
	return &APIError{Status: 403, Code: "Forbidden", Message: fmt.Sprintf(
		"environment %s is %s: %s", p.Name, p.State, how)}
}

// projectActions lists, per environment state, the advertised actions.
var projectActions = map[string][]string{
	"active":   {"deactivate"},
	"inactive": {"activate", "remove"},
}

// ProjectActions returns the actions an environment in state offers.
func ProjectActions(state string) []string { return projectActions[state] }
