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
];
