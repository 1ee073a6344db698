import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Backup, Cluster, ScheduledBackup } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1";
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import { GitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import { parse } from "yaml";
import { chartDir, helm, type K8sObject, parseObjects, renderChart, repoRoot, valuesFile } from "../helpers/helm";

/**
 * The Helm chart (chart/), rendered by a real helm (scripts/helm.sh) with the default values and
 * each supported combination; every object validated against its Kubernetes / CRD schema, and the
 * chart's promises checked: hardened containers, probes, the migration hook, no secret in a
 * ConfigMap, the HPA on the Deployment, bad values refused. Also the FluxCD example (deploy/flux/)
 * and the CNPG resources shown in docs/operations.md.
 */

type Validatable = { validate(): void };
const MODELS: Record<string, new (data: never) => Validatable> = {
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/Namespace": Namespace,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "networking.k8s.io/v1/Ingress": Ingress,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "postgresql.cnpg.io/v1/Cluster": Cluster,
  "postgresql.cnpg.io/v1/ScheduledBackup": ScheduledBackup,
  "postgresql.cnpg.io/v1/Backup": Backup,
  "external-secrets.io/v1/ExternalSecret": ExternalSecret,
  "helm.toolkit.fluxcd.io/v2/HelmRelease": HelmRelease,
  "source.toolkit.fluxcd.io/v1/GitRepository": GitRepository,
};

function validateAll(objects: K8sObject[]): void {
  for (const object of objects) {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    expect(Model, `no model for ${object.apiVersion} ${object.kind}`).toBeDefined();
    expect(() => new Model!(object as never).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
  }
}

const find = (objects: K8sObject[], kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objects: K8sObject[], kind: string, name?: string) => {
  const found = find(objects, kind, name);
  expect(
    found.map((o) => o.metadata.name),
    `${kind} ${name ?? ""}`,
  ).toHaveLength(1);
  return found[0]!;
};

interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  args?: string[];
  command?: string[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  startupProbe?: { httpGet?: { path: string } };
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  volumes?: { name: string }[];
}
const podSpec = (o: K8sObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;

/** Invariants every rendering must keep. */
function checkInvariants(objects: K8sObject[]): void {
  validateAll(objects);
  // Hardened pods: non-root, read-only root, nothing to escalate, no token.
  for (const workload of [...find(objects, "Deployment"), ...find(objects, "Job")]) {
    const spec = podSpec(workload);
    expect(spec.securityContext?.runAsNonRoot, workload.metadata.name).toBe(true);
    expect(spec.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
    expect(spec.automountServiceAccountToken, workload.metadata.name).toBe(false);
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
      const where = `${workload.metadata.name}/${c.name}`;
      expect(c.securityContext?.runAsNonRoot, where).toBe(true);
      expect(c.securityContext?.readOnlyRootFilesystem, where).toBe(true);
      expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
      expect(c.securityContext?.capabilities?.drop, where).toEqual(["ALL"]);
      // Writable places are volumes.
      expect(
        c.volumeMounts?.some((m) => m.mountPath === "/tmp" || m.mountPath === "/data"),
        where,
      ).toBe(true);
    }
    // Long-running containers have readiness and liveness probes.
    if (workload.kind === "Deployment")
      for (const c of spec.containers) {
        expect(c.readinessProbe, `${workload.metadata.name}/${c.name} readiness`).toBeDefined();
        expect(c.livenessProbe, `${workload.metadata.name}/${c.name} liveness`).toBeDefined();
      }
  }
  const app = one(objects, "Deployment", "optin-optin-manager");
  const appSpec = podSpec(app);
  const appContainer = appSpec.containers.find((c) => c.name === "app")!;
  expect(appContainer.readinessProbe?.httpGet?.path).toBe("/api/health");
  expect(appContainer.livenessProbe?.httpGet?.path).toBe("/api/health");
  expect(appContainer.startupProbe?.httpGet?.path).toBe("/api/health");
  expect(appSpec.securityContext?.runAsUser).toBe(1001);
  expect(appContainer.volumeMounts?.map((m) => m.mountPath).sort()).toEqual(["/app/.next/cache", "/data", "/tmp"]);
  // Config and secret changes roll the pods.
  const podAnnotations = (app.spec as { template: { metadata: { annotations: Record<string, string> } } }).template
    .metadata.annotations;
  expect(podAnnotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
  expect(podAnnotations["checksum/secret"]).toMatch(/^[0-9a-f]{64}$/);
  // The ServiceAccount mounts no token and the chart grants no Kubernetes API access.
  expect(one(objects, "ServiceAccount").automountServiceAccountToken).toBe(false);
  expect(objects.filter((o) => /Role/.test(o.kind))).toEqual([]);
  // No secret in a ConfigMap.
  const secretLike = /(SECRET|KEYS?|TOKEN|PASSWORD|DATABASE_URL|_URI)$/;
  for (const cm of find(objects, "ConfigMap")) {
    const data = (cm.data ?? {}) as Record<string, string>;
    expect(Object.keys(data).filter((k) => secretLike.test(k) || /^INIT_ADMIN_/.test(k))).toEqual([]);
    expect(data.MIGRATE_ON_START).toBe("false");
    expect(Object.values(data).join("\n")).not.toMatch(/postgres(ql)?:\/\/[^@\s]+@/);
  }
  // The migration Job is a hook and applies scripts/migrate.ts.
  const job = one(objects, "Job", "optin-optin-manager-migrate");
  expect(job.metadata.annotations?.["helm.sh/hook"]).toMatch(/(^|,)pre-upgrade(,|$)/);
  expect(job.metadata.annotations?.["helm.sh/hook-weight"]).toBeDefined();
  expect(job.metadata.annotations?.["helm.sh/hook-delete-policy"]).toContain("before-hook-creation");
  expect(podSpec(job).containers[0]!.command).toEqual(["node", "--import", "tsx", "scripts/migrate.ts"]);
  expect(podSpec(job).containers[0]!.env?.some((e) => e.name === "DATABASE_URL")).toBe(true);
  // HPA, when rendered, scales the rendered Deployment.
  for (const hpa of find(objects, "HorizontalPodAutoscaler")) {
    const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string; apiVersion: string } }).scaleTargetRef;
    expect(target).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: app.metadata.name });
  }
}

const appEnv = (objects: K8sObject[]) =>
  podSpec(one(objects, "Deployment", "optin-optin-manager")).containers.find((c) => c.name === "app")!.env ?? [];
const configData = (objects: K8sObject[]) =>
  one(objects, "ConfigMap", "optin-optin-manager").data as Record<string, string>;
const secretKeys = (objects: K8sObject[]) =>
  Object.keys((one(objects, "Secret", "optin-optin-manager").data ?? {}) as Record<string, string>).sort();

const externalDb = {
  cnpg: { enabled: false },
  database: { external: { url: "postgres://optin:pw@db.internal:5432/optin" } },
};
const cnpgBackups = {
  cnpg: {
    enabled: true,
    postgresql: { synchronous: { enabled: true, method: "any", number: 1, dataDurability: "required" } },
    backup: {
      enabled: true,
      destinationPath: "s3://backups/optin",
      endpointURL: "https://s3.example.com",
      s3Credentials: { secretName: "backup-s3", regionKey: "REGION" },
      schedule: "0 30 2 * * *",
    },
  },
};

beforeAll(() => {
  // Fetches helm on the first run (CI fetches it before the tests).
  expect(helm(["version", "--short"]).stdout).toMatch(/^v3\./);
}, 180_000);

describe("helm chart", () => {
  it("passes helm lint --strict", () => {
    const result = helm(["lint", "--strict", chartDir]);
    expect(result.stderr + result.stdout).toMatch(/0 chart\(s\) failed/);
    expect(result.ok).toBe(true);
  });

  it("default values: CNPG database, in-process jobs, one replica, generated secrets", () => {
    const objects = renderChart();
    checkInvariants(objects);
    const cluster = one(objects, "Cluster", "optin-optin-manager-db");
    expect((cluster.spec as { instances: number }).instances).toBe(3);
    expect(appEnv(objects).find((e) => e.name === "DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({
      name: "optin-optin-manager-db-app",
      key: "uri",
    });
    const app = one(objects, "Deployment", "optin-optin-manager");
    expect((app.spec as { replicas: number }).replicas).toBe(1);
    expect((app.spec as { strategy: { type: string } }).strategy.type).toBe("Recreate");
    // The database appears with the release: the first install migrates in an init container,
    // upgrades in the pre-upgrade Job.
    expect(podSpec(app).initContainers?.map((c) => c.command)).toEqual([
      ["node", "--import", "tsx", "scripts/migrate.ts"],
    ]);
    expect(one(objects, "Job").metadata.annotations?.["helm.sh/hook"]).toBe("pre-upgrade");
    expect(secretKeys(objects)).toEqual(["APP_SECRET", "ENCRYPTION_KEYS"]);
    const secret = one(objects, "Secret", "optin-optin-manager").data as Record<string, string>;
    const keys = Buffer.from(secret.ENCRYPTION_KEYS!, "base64").toString();
    expect(keys).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(keys.slice(3), "base64")).toHaveLength(32);
    expect(Buffer.from(secret.APP_SECRET!, "base64").toString().length).toBeGreaterThanOrEqual(32);
    expect(find(objects, "ScheduledBackup")).toEqual([]);
    expect(find(objects, "HorizontalPodAutoscaler")).toEqual([]);
    expect(find(objects, "PodDisruptionBudget")).toEqual([]);
    expect(find(objects, "Ingress")).toEqual([]);
    expect(configData(objects).INNGEST_BASE_URL).toBeUndefined();
  });

  it("external database: DATABASE_URL only in Secrets, migration Job as pre-install and pre-upgrade hook", () => {
    const objects = renderChart(externalDb);
    checkInvariants(objects);
    expect(find(objects, "Cluster")).toEqual([]);
    const job = one(objects, "Job");
    expect(job.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    const hookSecret = one(objects, "Secret", "optin-optin-manager-migrate");
    expect(hookSecret.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    expect(Number(hookSecret.metadata.annotations?.["helm.sh/hook-weight"])).toBeLessThan(
      Number(job.metadata.annotations?.["helm.sh/hook-weight"]),
    );
    expect(podSpec(job).containers[0]!.env?.find((e) => e.name === "DATABASE_URL")?.valueFrom?.secretKeyRef?.name).toBe(
      "optin-optin-manager-migrate",
    );
    expect(secretKeys(objects)).toContain("DATABASE_URL");
    expect(podSpec(one(objects, "Deployment")).initContainers).toBeUndefined();
  });

  it("an existing database Secret is read by key", () => {
    const objects = renderChart({
      cnpg: { enabled: false },
      database: { external: { existingSecret: "pg-credentials", existingSecretKey: "url" } },
    });
    checkInvariants(objects);
    expect(appEnv(objects).find((e) => e.name === "DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({
      name: "pg-credentials",
      key: "url",
    });
    expect(one(objects, "Job").metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
  });

  it("CNPG with synchronous replica, object-store backups and a ScheduledBackup", () => {
    const objects = renderChart(cnpgBackups);
    checkInvariants(objects);
    const spec = one(objects, "Cluster", "optin-optin-manager-db").spec as {
      postgresql: { synchronous: { method: string; number: number } };
      backup: {
        retentionPolicy: string;
        barmanObjectStore: {
          destinationPath: string;
          endpointURL: string;
          s3Credentials: Record<string, { name: string; key: string }>;
          wal: { compression: string };
        };
      };
    };
    expect(spec.postgresql.synchronous).toMatchObject({ method: "any", number: 1 });
    expect(spec.backup.retentionPolicy).toBe("30d");
    expect(spec.backup.barmanObjectStore.destinationPath).toBe("s3://backups/optin");
    expect(spec.backup.barmanObjectStore.wal.compression).toBe("gzip");
    expect(spec.backup.barmanObjectStore.s3Credentials).toEqual({
      accessKeyId: { name: "backup-s3", key: "ACCESS_KEY_ID" },
      secretAccessKey: { name: "backup-s3", key: "ACCESS_SECRET_KEY" },
      region: { name: "backup-s3", key: "REGION" },
    });
    const scheduled = one(objects, "ScheduledBackup").spec as { schedule: string; cluster: { name: string } };
    expect(scheduled).toMatchObject({ schedule: "0 30 2 * * *", cluster: { name: "optin-optin-manager-db" } });
  });

  it("self-hosted Inngest: server, its PostgreSQL and Redis, and the app pointed at it", () => {
    const objects = renderChart({ ...externalDb, replicaCount: 3, inngest: { mode: "selfHosted" } });
    checkInvariants(objects);
    expect(configData(objects).INNGEST_BASE_URL).toBe("http://optin-optin-manager-inngest:8288");
    const server = podSpec(one(objects, "Deployment", "optin-optin-manager-inngest")).containers[0]!;
    expect(server.command).toEqual(["inngest"]);
    const args = server.args!.join(" ");
    expect(args).toContain("start");
    expect(args).toContain("--event-key $(INNGEST_EVENT_KEY)");
    expect(args).toContain("--signing-key $(INNGEST_SIGNING_KEY)");
    expect(args).toContain("--postgres-uri $(INNGEST_POSTGRES_URI)");
    expect(args).toContain("--redis-uri $(INNGEST_REDIS_URI)");
    expect(args).toContain("--sdk-url http://optin-optin-manager:80/api/inngest");
    expect(server.env?.find((e) => e.name === "INNGEST_POSTGRES_URI")?.valueFrom?.secretKeyRef).toEqual({
      name: "optin-optin-manager-inngest-db-app",
      key: "uri",
    });
    expect(server.env?.find((e) => e.name === "INNGEST_REDIS_URI")?.value).toBe(
      "redis://optin-optin-manager-redis:6379",
    );
    one(objects, "Cluster", "optin-optin-manager-inngest-db");
    one(objects, "Deployment", "optin-optin-manager-redis");
    one(objects, "Service", "optin-optin-manager-inngest");
    one(objects, "Service", "optin-optin-manager-redis");
    // Same generated hexadecimal keys for the app and the server.
    const secret = one(objects, "Secret", "optin-optin-manager").data as Record<string, string>;
    for (const key of ["INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY"])
      expect(Buffer.from(secret[key]!, "base64").toString()).toMatch(/^[0-9a-f]{64}$/);
    const app = one(objects, "Deployment", "optin-optin-manager");
    expect((app.spec as { replicas: number }).replicas).toBe(3);
    expect((app.spec as { strategy: { type: string } }).strategy.type).toBe("RollingUpdate");
    one(objects, "PodDisruptionBudget");
  });

  it("self-hosted Inngest on external PostgreSQL and Redis keeps their URIs in Secrets", () => {
    const objects = renderChart({
      ...externalDb,
      inngest: {
        mode: "selfHosted",
        selfHosted: {
          postgres: { cnpg: { enabled: false }, external: { uri: "postgres://inngest:pw@pg:5432/inngest" } },
          redis: { internal: { enabled: false }, external: { uri: "redis://:pw@redis:6379" } },
        },
      },
    });
    checkInvariants(objects);
    expect(find(objects, "Cluster")).toEqual([]);
    expect(
      find(objects, "Deployment")
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(["optin-optin-manager", "optin-optin-manager-inngest"]);
    const server = podSpec(one(objects, "Deployment", "optin-optin-manager-inngest")).containers[0]!;
    expect(server.env?.find((e) => e.name === "INNGEST_REDIS_URI")?.valueFrom?.secretKeyRef?.name).toBe(
      "optin-optin-manager-inngest-redis",
    );
  });

  it("Inngest Cloud: keys from values into the Secret, no server rendered", () => {
    const objects = renderChart({
      ...externalDb,
      inngest: { mode: "cloud" },
      secrets: { inngestEventKey: "evt-key-123", inngestSigningKey: "signkey-prod-abc123" },
    });
    checkInvariants(objects);
    expect(secretKeys(objects)).toEqual(
      expect.arrayContaining(["INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY", "APP_SECRET", "ENCRYPTION_KEYS"]),
    );
    expect(find(objects, "Deployment")).toHaveLength(1);
    expect(configData(objects).INNGEST_BASE_URL).toBeUndefined();
  });

  it("ExternalSecret: the app reads the operator's Secret, the chart writes none", () => {
    const objects = renderChart({
      externalSecret: {
        enabled: true,
        secretStoreRef: { name: "vault", kind: "ClusterSecretStore" },
        remoteKey: "optin/production",
        data: [{ secretKey: "RESEND_API_KEY", remoteRef: { key: "mail", property: "api-key" } }],
      },
    });
    checkInvariants(objects);
    expect(find(objects, "Secret")).toEqual([]);
    const es = one(objects, "ExternalSecret").spec as {
      target: { name: string };
      dataFrom: { extract: { key: string } }[];
      secretStoreRef: { name: string };
    };
    expect(es.target.name).toBe("optin-optin-manager");
    expect(es.dataFrom).toEqual([{ extract: { key: "optin/production" } }]);
    const app = podSpec(one(objects, "Deployment", "optin-optin-manager")).containers[0] as Container & {
      envFrom: { secretRef?: { name: string } }[];
    };
    expect(app.envFrom.find((e) => e.secretRef)?.secretRef?.name).toBe("optin-optin-manager");
  });

  it("ingress with TLS and the HPA on the Deployment", () => {
    const objects = renderChart({
      ...externalDb,
      inngest: { mode: "cloud" },
      secrets: { inngestEventKey: "evt", inngestSigningKey: "signkey-prod-abc" },
      ingress: {
        enabled: true,
        className: "nginx",
        hosts: [{ host: "optin.example.com", paths: [{ path: "/", pathType: "Prefix" }] }],
        tls: [{ secretName: "optin-tls", hosts: ["optin.example.com"] }],
      },
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 8, targetMemoryUtilizationPercentage: 80 },
    });
    checkInvariants(objects);
    const ingress = one(objects, "Ingress").spec as { ingressClassName: string; tls: { secretName: string }[] };
    expect(ingress.ingressClassName).toBe("nginx");
    expect(ingress.tls[0]!.secretName).toBe("optin-tls");
    expect(configData(objects).PUBLIC_URL).toBe("https://optin.example.com");
    const hpa = one(objects, "HorizontalPodAutoscaler").spec as {
      minReplicas: number;
      maxReplicas: number;
      metrics: unknown[];
    };
    expect(hpa).toMatchObject({ minReplicas: 2, maxReplicas: 8 });
    expect(hpa.metrics).toHaveLength(2);
    // The HPA owns the replica count.
    expect((one(objects, "Deployment").spec as { replicas?: number }).replicas).toBeUndefined();
    one(objects, "PodDisruptionBudget");
  });

  describe("refuses bad values", () => {
    const refused = (values: Record<string, unknown>) => {
      const result = helm(["template", "optin", chartDir, "-f", valuesFile(values)]);
      expect(result.ok).toBe(false);
      return result.stderr;
    };

    it("a non-integer replica count (schema), also in helm lint", () => {
      expect(refused({ replicaCount: "x" })).toMatch(/replicaCount: Invalid type\. Expected: integer/);
      const lint = helm(["lint", "--strict", chartDir, "-f", valuesFile({ replicaCount: "x" })]);
      expect(lint.ok).toBe(false);
    });

    it("in-process jobs with more than one replica or with autoscaling", () => {
      expect(refused({ replicaCount: 3 })).toMatch(/inngest\.mode inProcess .* needs replicaCount 1/);
      expect(refused({ autoscaling: { enabled: true } })).toMatch(/inngest\.mode inProcess/);
    });

    it("unknown modes and keys, bad formats", () => {
      expect(refused({ inngest: { mode: "lambda" } })).toMatch(/inngest\.mode/);
      expect(refused({ replicas: 2 })).toMatch(/Additional property replicas is not allowed/);
      expect(refused({ secrets: { encryptionKeys: "not-a-key" } })).toMatch(/secrets\.encryptionKeys/);
      expect(refused({ secrets: { appSecret: "short" } })).toMatch(/secrets\.appSecret/);
      expect(refused({ config: { extraEnv: { STRIPE_SECRET: "x" } } })).toMatch(/extraEnv/);
      expect(refused({ cnpg: { backup: { enabled: true, schedule: "0 3 * * *" } } })).toMatch(/schedule/);
    });

    it("contradictory or incomplete choices", () => {
      expect(refused({ database: { external: { url: "postgres://a:b@h/d" } } })).toMatch(/choose one of cnpg\.enabled/);
      expect(refused({ cnpg: { enabled: false } })).toMatch(/database: set cnpg\.enabled/);
      expect(refused({ ...externalDb, inngest: { mode: "cloud" } })).toMatch(/inngestEventKey/);
      expect(refused({ cnpg: { backup: { enabled: true } } })).toMatch(/destinationPath is required/);
      expect(refused({ externalSecret: { enabled: true, secretStoreRef: { name: "v" } } })).toMatch(
        /remoteKey or data/,
      );
      expect(refused({ cnpg: { instances: 1, postgresql: { synchronous: { enabled: true, number: 1 } } } })).toMatch(
        /synchronous\.number must be less than cnpg\.instances/,
      );
    });
  });
});

describe("FluxCD example (deploy/flux)", () => {
  const dir = path.join(repoRoot, "deploy/flux");
  const kustomization = parse(fs.readFileSync(path.join(dir, "kustomization.yaml"), "utf8")) as { resources: string[] };
  const objects = kustomization.resources.flatMap((file) =>
    parseObjects(fs.readFileSync(path.join(dir, file), "utf8")),
  );

  it("every listed resource exists and validates", () => {
    expect(kustomization.resources.length).toBeGreaterThanOrEqual(3);
    validateAll(objects);
  });

  it("the HelmRelease installs ./chart from the GitRepository, and its values render", () => {
    const release = one(objects, "HelmRelease").spec as {
      chart: { spec: { chart: string; sourceRef: { kind: string; name: string } } };
      values: Record<string, unknown>;
    };
    const source = one(objects, "GitRepository");
    expect(release.chart.spec.chart).toBe("./chart");
    expect(release.chart.spec.sourceRef).toEqual({ kind: "GitRepository", name: source.metadata.name });
    checkInvariants(renderChart(release.values));
  });
});

describe("docs/operations.md", () => {
  const docs = fs.readFileSync(path.join(repoRoot, "docs/operations.md"), "utf8");
  const yamlBlocks = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const cnpgObjects = yamlBlocks
    .flatMap((block) => parseObjects(block))
    .filter((o) => o.apiVersion === "postgresql.cnpg.io/v1");

  it("the restore Cluster and the on-demand Backup shown validate against the CNPG schema", () => {
    validateAll(cnpgObjects);
    const restore = cnpgObjects.find(
      (o) => o.kind === "Cluster" && (o.spec as { bootstrap?: { recovery?: unknown } }).bootstrap?.recovery,
    );
    expect(restore, "a Cluster with bootstrap.recovery").toBeDefined();
    const spec = restore!.spec as {
      bootstrap: { recovery: { source: string; recoveryTarget: { targetTime: string } } };
      externalClusters: { name: string; barmanObjectStore: { destinationPath: string } }[];
    };
    expect(spec.bootstrap.recovery.recoveryTarget.targetTime).toBeTruthy();
    expect(spec.externalClusters.map((c) => c.name)).toContain(spec.bootstrap.recovery.source);
    expect(cnpgObjects.some((o) => o.kind === "Backup")).toBe(true);
  });
});
