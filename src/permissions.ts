/**
 * The commands and environment variables draconctl may use, as data: the
 * shipped Deno flags (scripts/permissions.ts) are built from these lists, and
 * the code that narrows them at run time ({@link RunPermissions}) reads them.
 *
 * @module
 */

/**
 * Credential plugin commands a kubeconfig `exec` user may name: the ones the
 * managed Kubernetes services document (EKS, GKE, AKS, OKE, DigitalOcean,
 * IBM Cloud, and `kubectl oidc-login`). Each run keeps at most the one its
 * kubeconfig context names and revokes the others before anything runs.
 */
export const CREDENTIAL_PLUGINS: readonly string[] = [
  "aws", // aws eks get-token
  "aws-iam-authenticator", // EKS, older setups
  "gke-gcloud-auth-plugin", // GKE
  "gcloud", // GKE, older setups: gcloud config config-helper
  "kubelogin", // AKS (Azure/kubelogin), and int128/kubelogin for OIDC
  "az", // AKS: az aks get-credentials without kubelogin
  "kubectl", // kubectl oidc-login (krew plugin)
  "oci", // Oracle OKE: oci ce cluster generate-token
  "doctl", // DigitalOcean: doctl kubernetes cluster kubeconfig exec-credential
  "ibmcloud", // IBM Cloud Kubernetes Service
];

/** Every command draconctl may run: `helm` (charts, rendering) and the credential plugins. */
export const RUN_COMMANDS: readonly string[] = ["helm", ...CREDENTIAL_PLUGINS];

/**
 * Proxy variables: kubectl honours `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (either
 * case), and Deno's HTTP client would read them, and `ALL_PROXY`, by itself;
 * draconctl reads them to decide the way kubectl does, and hides them from
 * Deno while it creates its HTTP client (`src/k8s/proxy.ts`).
 */
export const PROXY_ENV_VARS: readonly string[] = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
];

/**
 * `DRACONCTL_<FLAG>`: the variable of each flag (src/cli/env_flags.ts), read
 * for flags not given on the command line, as the Go tool's viper binding
 * did. A fixed list, as Deno's `--allow-env` takes one; tests/cli/env_flags_test.ts
 * checks that it is exactly the command tree's.
 */
export const FLAG_ENV_VARS: readonly string[] = [
  "DRACONCTL_ALLOWED_HOSTS",
  "DRACONCTL_ALLOW_INSECURE_HTTP",
  "DRACONCTL_ALL_CONTEXTS",
  "DRACONCTL_ALL_NAMESPACES",
  "DRACONCTL_ANCHOR_IMAGE",
  "DRACONCTL_ANNOTATION",
  "DRACONCTL_APP_VERSION",
  "DRACONCTL_AS",
  "DRACONCTL_AS_GROUP",
  "DRACONCTL_AS_UID",
  "DRACONCTL_BASE_DIR",
  "DRACONCTL_CANCEL_ON_INTERRUPT",
  "DRACONCTL_CERTIFICATE_AUTHORITY",
  "DRACONCTL_CHART",
  "DRACONCTL_CHART_VERSION",
  "DRACONCTL_CHECK",
  "DRACONCTL_CLIENT_CERTIFICATE",
  "DRACONCTL_CLIENT_KEY",
  "DRACONCTL_CLUSTER",
  "DRACONCTL_CONCURRENCY",
  "DRACONCTL_CONTEXT",
  "DRACONCTL_DESCRIPTION",
  "DRACONCTL_DRY_RUN",
  "DRACONCTL_EXIT_CODE",
  "DRACONCTL_FETCH_TIMEOUT",
  "DRACONCTL_FIELD_MANAGER",
  "DRACONCTL_FORCE_CONFLICTS",
  "DRACONCTL_GENERATE_NAME",
  "DRACONCTL_HELM_CHART",
  "DRACONCTL_INSECURE_SKIP_TLS_VERIFY",
  "DRACONCTL_KUBECONFIG",
  "DRACONCTL_LOAD_RESTRICTOR",
  "DRACONCTL_LOCKED",
  "DRACONCTL_LOCK_FILE",
  "DRACONCTL_MAX_BODY_SIZE",
  "DRACONCTL_NAME",
  "DRACONCTL_NAMESPACE",
  "DRACONCTL_NO_CHECK",
  "DRACONCTL_NO_POLICY",
  "DRACONCTL_ONLY_VALIDATE",
  "DRACONCTL_OUTPUT",
  "DRACONCTL_OUTPUT_DIR",
  "DRACONCTL_OUTPUT_FILE",
  "DRACONCTL_PARAM",
  "DRACONCTL_PARAMS_FILE",
  "DRACONCTL_PIPELINE_API_VERSION",
  "DRACONCTL_PLAIN_HTTP",
  "DRACONCTL_POLICY",
  "DRACONCTL_POLICY_REPORT",
  "DRACONCTL_PRUNE_TASKS",
  "DRACONCTL_PUSH",
  "DRACONCTL_RELEASE",
  "DRACONCTL_REQUEST_TIMEOUT",
  "DRACONCTL_REQUIRE_DIGEST",
  "DRACONCTL_SERVER",
  "DRACONCTL_SERVICE_ACCOUNT",
  "DRACONCTL_SET",
  "DRACONCTL_SSA",
  "DRACONCTL_TIMEOUT",
  "DRACONCTL_TLS_SERVER_NAME",
  "DRACONCTL_TOKEN",
  "DRACONCTL_USAGES",
  "DRACONCTL_USER",
  "DRACONCTL_VALUES",
  "DRACONCTL_VERBOSE",
  "DRACONCTL_VERSION",
  "DRACONCTL_WAIT",
  "DRACONCTL_WORKSPACE",
];

/**
 * The cache across runs (docs/cache.md): its directory
 * (`$DRACONCTL_CACHE_DIR`, else `$XDG_CACHE_HOME/draconctl`, else
 * `$HOME/.cache/draconctl`) and `DRACONCTL_NO_CACHE`, which turns it off.
 */
export const CACHE_ENV_VARS: readonly string[] = [
  "DRACONCTL_CACHE_DIR",
  "DRACONCTL_NO_CACHE",
  "XDG_CACHE_HOME",
];

/**
 * Environment variables draconctl may read; every other one reads as unset
 * (`--ignore-env`), also for the npm packages it uses. Child processes (helm,
 * credential plugins) still inherit the whole environment, as with kubectl.
 */
export const ENV_VARS: readonly string[] = [
  // kubeconfig discovery, as kubectl: $KUBECONFIG, else $HOME/.kube/config
  "KUBECONFIG",
  "HOME",
  // in-cluster configuration (a CI job running in a pod, service account token)
  "KUBERNETES_SERVICE_HOST",
  "KUBERNETES_SERVICE_PORT",
  "POD_NAMESPACE",
  ...PROXY_ENV_VARS,
  ...CACHE_ENV_VARS,
  ...FLAG_ENV_VARS,
];
