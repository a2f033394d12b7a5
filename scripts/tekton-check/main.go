// tekton-check: Tekton's own verdict on a Pipeline, its Tasks and a
// PipelineRun's params, for draconctl's differential test
// (tests/cluster/tekton_differential_test.ts, docs/validation.md).
//
// It makes, with tektoncd/pipeline's own code at the version of
// scripts/testenv.versions, what happens to the objects before the first
// TaskRun's Pod is created:
//
//   - the admission webhook: SetDefaults and Validate of every Task and of the
//     Pipeline (v1beta1 objects as v1beta1, then converted to v1, as the
//     controller reads them);
//   - the PipelineRun reconciler's reconcile (pkg/reconciler/pipelinerun), in
//     its order: dag.Build of tasks and finally, PipelineSpec.Validate,
//     ValidateRequiredParametersProvided, ValidateParamTypesMatching,
//     ValidateEnumParam (when enable-param-enum), ValidateObjectParamRequiredKeys,
//     ValidateParamArrayIndex, ValidateWorkspaceBindings, ValidateTaskRunSpecs,
//     ApplyParameters/ApplyContexts/ApplyWorkspaces, the OnError check after
//     substitution, ResolvePipelineTask for every task (taskRefs resolve
//     against the given Tasks only), ValidateResolvedTask, ValidateParamEnumSubset,
//     EvaluateCEL, ValidatePipelineTaskResults, ValidatePipelineResults,
//     ValidateOptionalWorkspaces;
//   - the TaskRun reconciler's prepare for each TaskRun the PipelineRun would
//     create: ValidateResolvedTask, ValidateEnumParam, ValidateParamArrayIndex,
//     workspace.ValidateBindings.
//
// The PipelineRun binds every workspace the Pipeline declares (emptyDir):
// draconctl's check has no run workspaces to check.
//
// Input on stdin, JSON: {"pipeline": {...}, "tasks": [{...}], "params": [{"name": ..., "value": ...}]}
// ("params" absent or null: the run supplies none), or a JSON array of such
// cases. Output: {"verdict": "ok"|"error", "messages": [...]} (an array for an
// array). -config DIR reads config-feature-flags.yaml and config-defaults.yaml
// from DIR (the module's config/, as the test environment's controller has
// them); without it, the code's defaults.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tektoncd/pipeline/pkg/apis/config"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"github.com/tektoncd/pipeline/pkg/reconciler/pipeline/dag"
	"github.com/tektoncd/pipeline/pkg/reconciler/pipelinerun/resources"
	"github.com/tektoncd/pipeline/pkg/reconciler/taskrun"
	tresources "github.com/tektoncd/pipeline/pkg/reconciler/taskrun/resources"
	"github.com/tektoncd/pipeline/pkg/trustedresources"
	"github.com/tektoncd/pipeline/pkg/workspace"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

type input struct {
	Pipeline json.RawMessage   `json:"pipeline"`
	Tasks    []json.RawMessage `json:"tasks"`
	Params   *v1.Params        `json:"params"`
}

type output struct {
	Verdict  string   `json:"verdict"`
	Messages []string `json:"messages"`
}

func main() {
	configDir := flag.String("config", "", "directory holding config-feature-flags.yaml and config-defaults.yaml")
	flag.Parse()
	ctx, err := configContext(*configDir)
	if err != nil {
		fail(err)
	}
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	trimmed := strings.TrimSpace(string(raw))
	var result any
	if strings.HasPrefix(trimmed, "[") {
		var cases []input
		if err := json.Unmarshal(raw, &cases); err != nil {
			fail(fmt.Errorf("stdin: %w", err))
		}
		outs := make([]output, 0, len(cases))
		for _, c := range cases {
			outs = append(outs, check(ctx, c))
		}
		result = outs
	} else {
		var c input
		if err := json.Unmarshal(raw, &c); err != nil {
			fail(fmt.Errorf("stdin: %w", err))
		}
		result = check(ctx, c)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "tekton-check: %v\n", err)
	os.Exit(2)
}

// configContext: the feature flags and defaults, as config.ToContext gives them to the controller.
func configContext(dir string) (context.Context, error) {
	cfg := config.FromContextOrDefaults(context.Background())
	if dir != "" {
		flags, err := configMapData(filepath.Join(dir, "config-feature-flags.yaml"))
		if err != nil {
			return nil, err
		}
		if cfg.FeatureFlags, err = config.NewFeatureFlagsFromMap(flags); err != nil {
			return nil, err
		}
		defaults, err := configMapData(filepath.Join(dir, "config-defaults.yaml"))
		if err != nil {
			return nil, err
		}
		if cfg.Defaults, err = config.NewDefaultsFromMap(defaults); err != nil {
			return nil, err
		}
	}
	return config.ToContext(context.Background(), cfg), nil
}

func configMapData(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cm.Data, nil
}

type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// decodeTask: the webhook's defaults and validation, then the v1 Task the controller reads.
func decodeTask(ctx context.Context, raw json.RawMessage) (*v1.Task, error) {
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, err
	}
	switch h.APIVersion {
	case "tekton.dev/v1beta1":
		var t v1beta1.Task
		if err := strictUnmarshal(raw, &t); err != nil {
			return nil, err
		}
		t.SetDefaults(ctx)
		if err := t.Validate(ctx); err != nil {
			return &v1.Task{ObjectMeta: t.ObjectMeta}, err
		}
		var out v1.Task
		if err := t.ConvertTo(ctx, &out); err != nil {
			return nil, err
		}
		return &out, nil
	case "tekton.dev/v1":
		var t v1.Task
		if err := strictUnmarshal(raw, &t); err != nil {
			return nil, err
		}
		t.SetDefaults(ctx)
		if err := t.Validate(ctx); err != nil {
			return &t, err
		}
		return &t, nil
	}
	return nil, fmt.Errorf("unknown apiVersion %q", h.APIVersion)
}

func decodePipeline(ctx context.Context, raw json.RawMessage) (*v1.Pipeline, error) {
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, err
	}
	switch h.APIVersion {
	case "tekton.dev/v1beta1":
		var p v1beta1.Pipeline
		if err := strictUnmarshal(raw, &p); err != nil {
			return nil, err
		}
		p.SetDefaults(ctx)
		if err := p.Validate(ctx); err != nil {
			return nil, err
		}
		var out v1.Pipeline
		if err := p.ConvertTo(ctx, &out); err != nil {
			return nil, err
		}
		return &out, nil
	case "tekton.dev/v1":
		var p v1.Pipeline
		if err := strictUnmarshal(raw, &p); err != nil {
			return nil, err
		}
		p.SetDefaults(ctx)
		if err := p.Validate(ctx); err != nil {
			return nil, err
		}
		return &p, nil
	}
	return nil, fmt.Errorf("unknown apiVersion %q", h.APIVersion)
}

// strictUnmarshal: the API server decodes into the CRD's structural schema;
// a field of the wrong type is refused there (unknown fields are pruned).
func strictUnmarshal(raw json.RawMessage, into any) error {
	return json.Unmarshal(raw, into)
}

func check(ctx context.Context, in input) (out output) {
	out.Messages = []string{}
	defer func() {
		if r := recover(); r != nil {
			out.Messages = append(out.Messages, fmt.Sprintf("panic: %v", r))
		}
		if len(out.Messages) == 0 {
			out.Verdict = "ok"
		} else {
			out.Verdict = "error"
		}
	}()
	tasks := map[string]*v1.Task{}
	for i, raw := range in.Tasks {
		task, err := decodeTask(ctx, raw)
		if err != nil {
			name := fmt.Sprintf("tasks[%d]", i)
			if task != nil {
				name = fmt.Sprintf("Task %q", task.Name)
			}
			out.Messages = append(out.Messages, fmt.Sprintf("webhook: %s: %v", name, err))
			continue
		}
		tasks[task.Name] = task
	}
	pipeline, err := decodePipeline(ctx, in.Pipeline)
	if err != nil {
		out.Messages = append(out.Messages, fmt.Sprintf("webhook: Pipeline: %v", err))
		return
	}
	if len(out.Messages) > 0 {
		return // a Task the webhook refused is not on the cluster
	}
	if err := reconcile(ctx, pipeline, tasks, in.Params); err != nil {
		out.Messages = append(out.Messages, err.Error())
	}
	return
}

// reconcile: pipelinerun.go's reconcile up to the first TaskRun, then the
// TaskRun reconciler's checks of each TaskRun.
func reconcile(ctx context.Context, pipeline *v1.Pipeline, tasks map[string]*v1.Task, params *v1.Params) error {
	pr := &v1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "run", Namespace: "default"},
		Spec:       v1.PipelineRunSpec{PipelineRef: &v1.PipelineRef{Name: pipeline.Name}},
	}
	if params != nil {
		pr.Spec.Params = *params
	}
	for _, ws := range pipeline.Spec.Workspaces {
		pr.Spec.Workspaces = append(pr.Spec.Workspaces,
			v1.WorkspaceBinding{Name: ws.Name, EmptyDir: &corev1.EmptyDirVolumeSource{}})
	}
	pr.SetDefaults(ctx)
	if err := pr.Validate(ctx); err != nil {
		return fmt.Errorf("webhook: PipelineRun: %w", err)
	}
	pipelineSpec := pipeline.Spec.DeepCopy()
	pipelineSpec.SetDefaults(ctx)

	d, err := dag.Build(v1.PipelineTaskList(pipelineSpec.Tasks), v1.PipelineTaskList(pipelineSpec.Tasks).Deps())
	if err != nil {
		return fmt.Errorf("InvalidGraph: %w", err)
	}
	dfinally, err := dag.Build(v1.PipelineTaskList(pipelineSpec.Finally), map[string][]string{})
	if err != nil {
		return fmt.Errorf("InvalidGraph (finally): %w", err)
	}
	if err := pipelineSpec.Validate(ctx); err != nil {
		return fmt.Errorf("FailedValidation: %w", err)
	}
	if err := resources.ValidateRequiredParametersProvided(&pipelineSpec.Params, &pr.Spec.Params); err != nil {
		return fmt.Errorf("ParameterMissing: %w", err)
	}
	if err := resources.ValidateParamTypesMatching(pipelineSpec, pr); err != nil {
		return fmt.Errorf("ParameterTypeMismatch: %w", err)
	}
	enumOn := config.FromContextOrDefaults(ctx).FeatureFlags.EnableParamEnum
	if enumOn {
		if err := taskrun.ValidateEnumParam(ctx, pr.Spec.Params, pipelineSpec.Params); err != nil {
			return fmt.Errorf("InvalidParamValue: %w", err)
		}
	}
	if err := resources.ValidateObjectParamRequiredKeys(pipelineSpec.Params, pr.Spec.Params); err != nil {
		return fmt.Errorf("ObjectParameterMissKeys: %w", err)
	}
	if err := resources.ValidateParamArrayIndex(pipelineSpec, pr.Spec.Params); err != nil {
		return fmt.Errorf("ParamArrayIndexingInvalid: %w", err)
	}
	if err := resources.ValidateWorkspaceBindings(pipelineSpec, pr); err != nil {
		return fmt.Errorf("InvalidWorkspaceBinding: %w", err)
	}
	if err := resources.ValidateTaskRunSpecs(pipelineSpec, pr); err != nil {
		return fmt.Errorf("InvalidTaskRunSpec: %w", err)
	}
	resources.ApplyParametersToWorkspaceBindings(pr)
	originalPipeline := pipelineSpec.DeepCopy()
	originalTasks := append(originalPipeline.Tasks, originalPipeline.Finally...)
	pipelineSpec, err = resources.ApplyParameters(pipelineSpec, pr)
	if err != nil {
		return fmt.Errorf("FailedValidation (ApplyParameters): %w", err)
	}
	pipelineSpec = resources.ApplyContexts(pipelineSpec, pipeline.Name, pr)
	pipelineSpec = resources.ApplyWorkspaces(pipelineSpec, pr)
	all := append(append([]v1.PipelineTask{}, pipelineSpec.Tasks...), pipelineSpec.Finally...)
	for _, t := range all {
		if err := t.ValidateOnError(ctx); err != nil {
			return fmt.Errorf("FailedValidation (after ApplyParameters): %w", err)
		}
	}

	getTask := func(_ context.Context, name string) (*v1.Task, *v1.RefSource, *trustedresources.VerificationResult, error) {
		if t, ok := tasks[name]; ok {
			return t.DeepCopy(), nil, nil, nil
		}
		return nil, nil, nil, kerrors.NewNotFound(schema.GroupResource{Group: "tekton.dev", Resource: "tasks"}, name)
	}
	getTaskRun := func(name string) (*v1.TaskRun, error) {
		return nil, kerrors.NewNotFound(schema.GroupResource{Group: "tekton.dev", Resource: "taskruns"}, name)
	}
	getRun := func(name string) (*v1beta1.CustomRun, error) {
		return nil, kerrors.NewNotFound(schema.GroupResource{Group: "tekton.dev", Resource: "customruns"}, name)
	}
	getPipelineRun := func(name string) (*v1.PipelineRun, error) {
		return nil, kerrors.NewNotFound(schema.GroupResource{Group: "tekton.dev", Resource: "pipelineruns"}, name)
	}
	state := resources.PipelineRunState{}
	for _, task := range all {
		rpt, err := resources.ResolvePipelineTask(ctx, *pr, getPipelineRun, nil, getTask, getTaskRun, getRun, task, state)
		if err != nil {
			var nf *resources.TaskNotFoundError
			if errors.As(err, &nf) {
				return fmt.Errorf("CouldntGetTask: %w", err)
			}
			return fmt.Errorf("resolving pipeline task %q: %w", task.Name, err)
		}
		state = append(state, rpt)
	}
	for i, rpt := range state {
		if rpt.IsCustomTask() || rpt.IsChildPipeline() {
			continue
		}
		if err := taskrun.ValidateResolvedTask(ctx, rpt.PipelineTask.Params, rpt.PipelineTask.Matrix, rpt.ResolvedTask); err != nil {
			return fmt.Errorf("FailedValidation: %w", err)
		}
		if enumOn {
			if err := resources.ValidateParamEnumSubset(originalTasks[i].Params, pipelineSpec.Params, rpt.ResolvedTask); err != nil {
				return fmt.Errorf("FailedValidation (enum subset): %w", err)
			}
		}
	}
	for _, rpt := range state {
		if err := rpt.EvaluateCEL(); err != nil {
			return fmt.Errorf("CELEvaluationFailed: %w", err)
		}
	}
	if err := resources.ValidatePipelineTaskResults(state); err != nil {
		return fmt.Errorf("InvalidTaskResultReference: %w", err)
	}
	if err := resources.ValidatePipelineResults(pipelineSpec, state); err != nil {
		return fmt.Errorf("InvalidPipelineResultReference: %w", err)
	}
	if err := resources.ValidateOptionalWorkspaces(pipelineSpec.Workspaces, state); err != nil {
		return fmt.Errorf("RequiredWorkspaceMarkedOptional: %w", err)
	}
	_ = dfinally
	_ = d
	// The TaskRun reconciler's prepare, for each TaskRun (a task's result
	// references are still unresolved here: the values are not known yet).
	for _, rpt := range state {
		if rpt.IsCustomTask() || rpt.IsChildPipeline() || rpt.ResolvedTask == nil {
			continue
		}
		if err := prepareTaskRun(ctx, rpt); err != nil {
			return fmt.Errorf("TaskRun of pipeline task %q: %w", rpt.PipelineTask.Name, err)
		}
	}
	return nil
}

func prepareTaskRun(ctx context.Context, rpt *resources.ResolvedPipelineTask) error {
	params := rpt.PipelineTask.Params
	if rpt.PipelineTask.IsMatrixed() {
		return nil // one TaskRun per combination; each gets the matrix values
	}
	rtr := rpt.ResolvedTask
	if err := taskrun.ValidateResolvedTask(ctx, params, &v1.Matrix{}, rtr); err != nil {
		return fmt.Errorf("TaskRunValidationFailed: %w", err)
	}
	if config.FromContextOrDefaults(ctx).FeatureFlags.EnableParamEnum {
		if err := taskrun.ValidateEnumParam(ctx, params, rtr.TaskSpec.Params); err != nil {
			return fmt.Errorf("InvalidParamValue: %w", err)
		}
	}
	if err := tresources.ValidateParamArrayIndex(rtr.TaskSpec, params); err != nil {
		return fmt.Errorf("TaskRunValidationFailed: %w", err)
	}
	var binds []v1.WorkspaceBinding
	for _, ws := range rpt.PipelineTask.Workspaces {
		binds = append(binds, v1.WorkspaceBinding{Name: ws.Name, EmptyDir: &corev1.EmptyDirVolumeSource{}})
	}
	if err := workspace.ValidateBindings(ctx, rtr.TaskSpec.Workspaces, binds); err != nil {
		return fmt.Errorf("TaskRunValidationFailed: %w", err)
	}
	return nil
}
