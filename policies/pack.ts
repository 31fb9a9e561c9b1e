import type { PolicyPackConfig } from "@pulumi/policy";
import type { Env } from "../runbooks";
import { awsAppAutoscalingRunbookTargets } from "./aws/appautoscaling-runbook-targets";
import { awsAppAutoscalingTargetCapacity } from "./aws/appautoscaling-target-capacity";
import { awsBackupPlanRunbookSchedule } from "./aws/backup-plan-runbook-schedule";
import { awsBackupRestoreTestingPlanCadence } from "./aws/backup-restoretestingplan-cadence";
import { awsCloudwatchLogGroupRetention } from "./aws/cloudwatch-loggroup-retention";
import { awsDocdbClusterBackupRetention } from "./aws/docdb-cluster-backup-retention";
import { awsDocdbClusterDeletionProtection } from "./aws/docdb-cluster-deletion-protection";
import { awsDocdbClusterEncryption } from "./aws/docdb-cluster-encryption";
import { awsEcsServiceBlueGreenBake } from "./aws/ecs-service-blue-green-bake";
import { awsEcsTaskDefinitionHealthcheckLimits } from "./aws/ecs-taskdefinition-healthcheck-limits";
import { awsEcsTaskDefinitionImagePinned } from "./aws/ecs-taskdefinition-image-pinned";
import { awsElastiCacheReplicationGroupEncryption } from "./aws/elasticache-replicationgroup-encryption";
import { awsElastiCacheReplicationGroupFailover } from "./aws/elasticache-replicationgroup-failover";
import { awsElastiCacheReplicationGroupSnapshotRetention } from "./aws/elasticache-replicationgroup-snapshot-retention";
import { awsAmpAlertmanagerCriticalPaging } from "./aws/amp-alertmanager-critical-paging";
import { awsAmpCloudwatchRunbookAlerts } from "./aws/amp-cloudwatch-runbook-alerts";
import { awsMqBrokerClusterDeployment } from "./aws/mq-broker-cluster-deployment";
import { awsMqBrokerNotPublic } from "./aws/mq-broker-not-public";
import { awsMskClusterEncryption } from "./aws/msk-cluster-encryption";
import { awsRdsInstanceBackupRetention } from "./aws/rds-instance-backup-retention";
import { awsRdsInstanceDeletionProtection } from "./aws/rds-instance-deletion-protection";
import { awsRdsInstanceEncryption } from "./aws/rds-instance-encryption";
import { awsRdsInstanceMultiAz } from "./aws/rds-instance-multi-az";
import { awsRdsInstanceNotPublic } from "./aws/rds-instance-not-public";
import { awsRdsParameterGroupForceSsl } from "./aws/rds-parametergroup-force-ssl";
import { awsRdsReadReplicas } from "./aws/rds-read-replicas";
import { awsDataInstanceSizeFloor } from "./aws/data-instance-size-floor";
import { awsS3BucketEncryption } from "./aws/s3-bucket-encryption";
import { awsS3BucketLifecycleRetention } from "./aws/s3-bucket-lifecycle-retention";
import { awsS3BucketPublicAccessBlock } from "./aws/s3-bucket-public-access-block";
import { awsS3BucketVersioningRetention } from "./aws/s3-bucket-versioning-retention";
import { awsSecurityGroupNoPublicDataPorts } from "./aws/securitygroup-no-public-data-ports";
import { awsStatefulResourceProtect } from "./aws/stateful-resource-protect";
import { dockerAlertmanagerCriticalPaging } from "./docker/alertmanager-critical-paging";
import { dockerBackupRunbookSchedule } from "./docker/backup-runbook-schedule";
import { dockerContainerDataPortsLoopback } from "./docker/container-data-ports-loopback";
import { dockerContainerHealthcheck } from "./docker/container-healthcheck";
import { dockerContainerImagePinned } from "./docker/container-image-pinned";
import { dockerContainerLimits } from "./docker/container-limits";
import { dockerContainerRabbitmqDefinitionsHashed } from "./docker/container-rabbitmq-definitions-hashed";
import { dockerLokiLogRetention } from "./docker/loki-log-retention";
import { dockerPrometheusRulesRunbookAlerts } from "./docker/prometheus-rules-runbook-alerts";
import { k8sAlertmanagerCriticalPaging } from "./kubernetes/alertmanager-critical-paging";
import { k8sCnpgClusterInstances } from "./kubernetes/cnpg-cluster-instances";
import { k8sCnpgScheduledBackupRunbookSchedule } from "./kubernetes/cnpg-scheduledbackup-runbook-schedule";
import { k8sCronJobBackupRunbookSchedule } from "./kubernetes/cronjob-backup-runbook-schedule";
import { k8sCronJobRestoreCheckCadence } from "./kubernetes/cronjob-restore-check-cadence";
import { k8sHelmReleaseVersionPinned } from "./kubernetes/helm-release-version-pinned";
import { k8sHpaMinReplicas } from "./kubernetes/hpa-min-replicas";
import { k8sHpaRunbookTargets } from "./kubernetes/hpa-runbook-targets";
import { k8sLokiLogRetention } from "./kubernetes/loki-log-retention";
import { k8sPrometheusRuleRunbookAlerts } from "./kubernetes/prometheusrule-runbook-alerts";
import { k8sRabbitmqClusterNotPublic } from "./kubernetes/rabbitmqcluster-not-public";
import { k8sRabbitmqClusterQuorum } from "./kubernetes/rabbitmqcluster-quorum";
import { k8sServiceNoPublicDataPorts } from "./kubernetes/service-no-public-data-ports";
import { k8sStatefulResourceProtect } from "./kubernetes/stateful-resource-protect";
import { k8sWorkloadImagePinned } from "./kubernetes/workload-image-pinned";
import { k8sWorkloadProbesResources } from "./kubernetes/workload-probes-resources";
import { awsBackupVaultLockCompliance } from "./aws/backup-vault-lock-compliance";
import { awsBackupVaultPolicyDenyDelete } from "./aws/backup-vault-policy-deny-delete";
import { awsIamRoleTrustConfusedDeputy } from "./aws/iam-role-trust-confused-deputy";
import { awsLambdaFunctionFailureAlarmed } from "./aws/lambda-function-failure-alarmed";
import { awsS3BackupBucketNoDelete } from "./aws/s3-backup-bucket-no-delete";
import { awsS3BucketNameUnique } from "./aws/s3-bucket-name-unique";
import { awsSecurityGroupEgressRestricted } from "./aws/securitygroup-egress-restricted";
import { k8sNetworkPolicyDefaultDenyEgress } from "./kubernetes/networkpolicy-default-deny-egress";
import { k8sNetworkPolicyServiceIngressSources } from "./kubernetes/networkpolicy-service-ingress-sources";
import { awsRoute53PublicHostReachability } from "./aws/route53-public-host-reachability";
import { awsAppAutoscalingRoomToScale } from "./aws/appautoscaling-room-to-scale";
import { k8sHpaRoomToScale } from "./kubernetes/hpa-room-to-scale";
import { k8sPublicHostReachability } from "./kubernetes/public-host-reachability";
import { awsEcsTaskDefinitionReadonlyRoot } from "./aws/ecs-taskdefinition-readonly-root";
import { k8sWorkloadReadonlyRoot } from "./kubernetes/workload-readonly-root";
import { k8sDataReadonlyRoot } from "./kubernetes/data-readonly-root";
import { dockerContainerReadonlyRoot } from "./docker/container-readonly-root";
import { awsEcsTaskDefinitionNoMasterCredentials } from "./aws/ecs-taskdefinition-no-master-credentials";
import { awsRdsInstanceManagedCredentials } from "./aws/rds-instance-managed-credentials";
import { awsDocdbClusterManagedCredentials } from "./aws/docdb-cluster-managed-credentials";
import { awsVpcEndpointPolicyScoped } from "./aws/vpc-endpoint-policy-scoped";
import { awsMskClusterClientAuthentication } from "./aws/msk-cluster-client-authentication";
import { k8sKafkaClientAuthentication } from "./kubernetes/kafka-client-authentication";
import { dockerContainerNoMasterCredentials } from "./docker/container-no-master-credentials";
import { dockerKafkaClientAuthentication } from "./docker/kafka-client-authentication";
import { k8sWorkloadNoMasterCredentials } from "./kubernetes/workload-no-master-credentials";
import { awsIamPolicyResourceScoped } from "./aws/iam-policy-resource-scoped";
import { awsLbListenerRuleGrafanaAuthenticated } from "./aws/lb-listenerrule-grafana-authenticated";
import { awsBackupPlanCopyRegion } from "./aws/backup-plan-copy-region";
import { awsBackupPlanCopyAccount } from "./aws/backup-plan-copy-account";
import { ENFORCEMENT, exceptionsPolicy, toPolicy, type Rule, type RunbookPolicy } from "./lib/policy";
import { platformConfigCredentialsSecret } from "./platform/config-credentials-secret";
import { platformNoLiteralSecrets } from "./platform/no-literal-secrets";
import { platformQuotaDefaultLimits } from "./platform/quota-default-limits";
import { platformRedisConfAppendOnly } from "./platform/redis-conf-append-only";
import { awsAlertingPipelineIntact } from "./aws/alerting-pipeline-intact";
import { awsLambdaTaskRunnerLimits } from "./aws/lambda-task-runner-limits";
import { k8sAlertingPipelineEnabled } from "./kubernetes/alerting-pipeline-enabled";
import { awsBackupSelectionEffective } from "./aws/backup-selection-effective";
import { k8sBackupJobEffective } from "./kubernetes/backup-job-effective";
import { k8sWorkloadPodSecurity } from "./kubernetes/workload-pod-security";
import { k8sAutoscalerEffective } from "./kubernetes/autoscaler-effective";
import { awsAppAutoscalingPolicyEffective } from "./aws/appautoscaling-policy-effective";
import { awsLbListenerTls } from "./aws/lb-listener-tls";
import { awsWafv2WebAclEnforced } from "./aws/wafv2-webacl-enforced";
import { awsEcsServiceDeploymentRollback } from "./aws/ecs-service-deployment-rollback";
import { k8sNetworkPolicyNoOpenIngress } from "./kubernetes/networkpolicy-no-open-ingress";
import { awsCloudwatchAlarmMetricSpec } from "./aws/cloudwatch-alarm-metric-spec";
import { awsLbTargetGroupHealthCheck } from "./aws/lb-targetgroup-health-check";
import { k8sPdbAvailability } from "./kubernetes/pdb-availability";
import { k8sKafkaDurability } from "./kubernetes/kafka-durability";
import { awsMskConfigurationServerProperties } from "./aws/msk-configuration-server-properties";
import { awsMskAclsRunbook } from "./aws/msk-acls-runbook";
import { awsMskClusterConfiguration } from "./aws/msk-cluster-configuration";
import { awsEcsHealthTiming } from "./aws/ecs-health-timing";
import { awsSchedulerScheduleEffective } from "./aws/scheduler-schedule-effective";
import { awsAlertForwarderDestinations } from "./aws/alert-forwarder-destinations";
import { k8sNetworkPolicyNoWidePeers } from "./kubernetes/networkpolicy-no-wide-peers";
import { k8sNetworkPolicyCoverage } from "./kubernetes/networkpolicy-coverage";
import { k8sNetworkPolicyMonitoringPorts } from "./kubernetes/networkpolicy-monitoring-ports";
import { k8sNetworkPolicyDataEgress } from "./kubernetes/networkpolicy-data-egress";
import { k8sNetworkPolicyOperatorsPorts } from "./kubernetes/networkpolicy-operators-ports";
import { k8sKedaScaledObjectTriggers } from "./kubernetes/keda-scaledobject-triggers";
import { platformRedisMaxmemoryPolicy } from "./platform/redis-maxmemory-policy";
import { awsDataMaintenanceWindow } from "./aws/data-maintenance-window";
import { awsDataStorageFloor } from "./aws/data-storage-floor";
import { awsCollectorConfigIntact } from "./aws/collector-config-intact";
import { k8sServiceMonitorIntact } from "./kubernetes/servicemonitor-intact";
import { platformBlackboxProbesIntact } from "./platform/blackbox-probes-intact";
import { k8sCronJobRuns } from "./kubernetes/cronjob-runs";
import { k8sPromtailShipsLogs } from "./kubernetes/promtail-ships-logs";
import { k8sStatefulSetDataVolume } from "./kubernetes/statefulset-data-volume";
import { platformRedisPersistence } from "./platform/redis-persistence";
import { dockerContainerRuns } from "./docker/container-runs";
import { awsEcsServiceCapacity } from "./aws/ecs-service-capacity";
import { awsEcsContainerLogDestination } from "./aws/ecs-container-log-destination";
import { awsCloudwatchLogGroupEncryption } from "./aws/cloudwatch-loggroup-encryption";
import { awsBackupPlanWindows } from "./aws/backup-plan-windows";
import { k8sCnpgClusterBackupDestination } from "./kubernetes/cnpg-cluster-backup-destination";
import { platformAbsenceRulesIntact } from "./platform/absence-rules-intact";
import { dockerPrometheusConfigIntact } from "./docker/prometheus-config-intact";

/**
 * The runbook-platform policy pack as plain data: the rules, the CrossGuard policies made from
 * them, and the per-environment enforcement the pack hands the engine as its initial config.
 * `policies/index.ts` serves it to `pulumi preview`; `npm run policy` runs it offline.
 */

export const PACK_NAME = "runbook-platform";

export const RULES: readonly Rule[] = [
    // alerting and routing
    dockerPrometheusRulesRunbookAlerts,
    k8sPrometheusRuleRunbookAlerts,
    awsAmpCloudwatchRunbookAlerts,
    dockerAlertmanagerCriticalPaging,
    k8sAlertmanagerCriticalPaging,
    awsAmpAlertmanagerCriticalPaging,
    // backups and restore tests
    dockerBackupRunbookSchedule,
    k8sCnpgScheduledBackupRunbookSchedule,
    k8sCronJobBackupRunbookSchedule,
    k8sCronJobRestoreCheckCadence,
    awsBackupPlanRunbookSchedule,
    awsBackupRestoreTestingPlanCadence,
    awsRdsInstanceBackupRetention,
    awsDocdbClusterBackupRetention,
    awsElastiCacheReplicationGroupSnapshotRetention,
    // scaling, sizing, health
    dockerContainerLimits,
    dockerContainerHealthcheck,
    k8sWorkloadProbesResources,
    k8sHpaRunbookTargets,
    k8sHpaMinReplicas,
    awsEcsTaskDefinitionHealthcheckLimits,
    awsAppAutoscalingRunbookTargets,
    awsAppAutoscalingTargetCapacity,
    awsEcsServiceBlueGreenBake,
    awsLbTargetGroupHealthCheck,
    k8sPdbAvailability,
    // data safety
    awsRdsInstanceEncryption,
    awsRdsInstanceNotPublic,
    awsRdsInstanceDeletionProtection,
    awsRdsInstanceMultiAz,
    awsRdsReadReplicas,
    awsDataInstanceSizeFloor,
    k8sCnpgClusterInstances,
    awsRdsParameterGroupForceSsl,
    awsElastiCacheReplicationGroupEncryption,
    awsElastiCacheReplicationGroupFailover,
    awsDocdbClusterEncryption,
    awsDocdbClusterDeletionProtection,
    awsMskClusterEncryption,
    awsMqBrokerNotPublic,
    awsMqBrokerClusterDeployment,
    k8sRabbitmqClusterQuorum,
    k8sRabbitmqClusterNotPublic,
    dockerContainerRabbitmqDefinitionsHashed,
    awsS3BucketEncryption,
    awsS3BucketPublicAccessBlock,
    awsSecurityGroupNoPublicDataPorts,
    dockerContainerDataPortsLoopback,
    k8sServiceNoPublicDataPorts,
    awsStatefulResourceProtect,
    k8sStatefulResourceProtect,
    // security: least privilege, closed egress, backups that survive a compromised account
    awsSecurityGroupEgressRestricted,
    k8sNetworkPolicyDefaultDenyEgress,
    k8sNetworkPolicyServiceIngressSources,
    awsIamRoleTrustConfusedDeputy,
    awsS3BucketNameUnique,
    awsS3BackupBucketNoDelete,
    awsBackupVaultLockCompliance,
    awsBackupVaultPolicyDenyDelete,
    awsLambdaFunctionFailureAlarmed,
    awsEcsTaskDefinitionReadonlyRoot,
    k8sWorkloadReadonlyRoot,
    k8sDataReadonlyRoot,
    dockerContainerReadonlyRoot,
    dockerContainerNoMasterCredentials,
    dockerKafkaClientAuthentication,
    k8sWorkloadNoMasterCredentials,
    awsEcsTaskDefinitionNoMasterCredentials,
    awsRdsInstanceManagedCredentials,
    awsDocdbClusterManagedCredentials,
    awsVpcEndpointPolicyScoped,
    awsMskClusterClientAuthentication,
    k8sKafkaClientAuthentication,
    awsIamPolicyResourceScoped,
    awsLbListenerRuleGrafanaAuthenticated,
    awsBackupPlanCopyRegion,
    awsBackupPlanCopyAccount,
    // supply chain, secrets, logs
    dockerContainerImagePinned,
    k8sWorkloadImagePinned,
    k8sHelmReleaseVersionPinned,
    awsEcsTaskDefinitionImagePinned,
    platformNoLiteralSecrets,
    platformConfigCredentialsSecret,
    dockerLokiLogRetention,
    k8sLokiLogRetention,
    awsCloudwatchLogGroupRetention,
    awsS3BucketLifecycleRetention,
    awsS3BucketVersioningRetention,
    awsRoute53PublicHostReachability,
    awsAppAutoscalingRoomToScale,
    k8sHpaRoomToScale,
    k8sPublicHostReachability,
    // the cloud's quotas
    platformQuotaDefaultLimits,
    // data services' persistence
    platformRedisConfAppendOnly,
    // guards that exist but are switched off outside the checked settings (issue 13)
    awsAlertingPipelineIntact,
    awsLambdaTaskRunnerLimits,
    k8sAlertingPipelineEnabled,
    awsBackupSelectionEffective,
    k8sBackupJobEffective,
    k8sWorkloadPodSecurity,
    k8sAutoscalerEffective,
    awsAppAutoscalingPolicyEffective,
    // the review's remaining loopholes (issue 13, review items 9 and 10)
    awsLbListenerTls,
    awsWafv2WebAclEnforced,
    awsEcsServiceDeploymentRollback,
    k8sNetworkPolicyNoOpenIngress,
    // alarms that cannot fire: the metric side of every CloudWatch alarm (issue 13)
    awsCloudwatchAlarmMetricSpec,
    // data stores held to their generated settings: Kafka durability, network peers, eviction, maintenance windows (issue 13)
    k8sKafkaDurability,
    awsMskConfigurationServerProperties,
    k8sNetworkPolicyNoWidePeers,
    platformRedisMaxmemoryPolicy,
    awsDataMaintenanceWindow,
    awsDataStorageFloor,
    // issue 13's remaining AWS loopholes (loop13): MSK ACLs and configuration, ECS health timing, schedules, alert destinations
    awsMskAclsRunbook,
    awsMskClusterConfiguration,
    awsEcsHealthTiming,
    awsSchedulerScheduleEffective,
    awsAlertForwarderDestinations,
    // Kubernetes guards object by object (issue 13, loop 13): default-deny per pod set and data-service peers, KEDA triggers as generated
    k8sNetworkPolicyCoverage,
    k8sNetworkPolicyMonitoringPorts,
    k8sKedaScaledObjectTriggers,
    // Issue 13: the data stores' egress as generated, the operators namespace on its operators' ports only
    k8sNetworkPolicyDataEgress,
    k8sNetworkPolicyOperatorsPorts,
    // signals held to the generated ones on the way to the rules: the AWS agent's file, scrape endpoints, blackbox modules and Probes (issue 13, review findings 5, 6, 12)
    awsCollectorConfigIntact,
    k8sServiceMonitorIntact,
    platformBlackboxProbesIntact,
    // stores that keep nothing (issue 13, stores13): CronJobs that never run, Redis persistence on the command line, data volumes, log shipping, Docker containers that never start
    k8sCronJobRuns,
    platformRedisPersistence,
    k8sStatefulSetDataVolume,
    k8sPromtailShipsLogs,
    dockerContainerRuns,
    // issue 13 (fix13, aws13): ECS capacity and log destinations, log group storage, backup windows, CloudNativePG's destination
    awsEcsServiceCapacity,
    awsEcsContainerLogDestination,
    awsCloudwatchLogGroupEncryption,
    awsBackupPlanWindows,
    k8sCnpgClusterBackupDestination,
    // the platform's own rules and the local Prometheus held to what is generated (issue 13, fix 13: paging)
    platformAbsenceRulesIntact,
    dockerPrometheusConfigIntact,
];

/** The pack's policies, exceptions report last: a plain array for tests and the offline check. */
export const policies: readonly RunbookPolicy[] = [...RULES.map(toPolicy), exceptionsPolicy(RULES)];

/**
 * Each policy's level in one environment, as pack config: the engine applies it over the policies'
 * own (production) levels, and a `--policy-pack-config` file applies over this.
 */
export function packConfigFor(env: Env): PolicyPackConfig {
    return Object.fromEntries(RULES.map((r) => [r.name, { enforcementLevel: ENFORCEMENT[r.tier][env] }]));
}
