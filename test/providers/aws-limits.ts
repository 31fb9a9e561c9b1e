/**
 * AWS's published limits and catalogues the provider constraints (aws-constraints.ts) check the
 * plans against, each with the page it comes from: Fargate task sizes, CloudWatch Logs retention
 * values, the dimension sets each metric is published with, Route 53's checker regions.
 */

/** Fargate's task sizes: CPU units → the memory (MiB) each allows. */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = (() => {
    const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
    return {
        256: [512, 1024, 2048],
        512: range(1024, 4096, 1024),
        1024: range(2048, 8192, 1024),
        2048: range(4096, 16384, 1024),
        4096: range(8192, 30720, 1024),
        8192: range(16384, 61440, 4096),
        16384: range(32768, 122880, 8192),
    };
})();

/** CloudWatch Logs' retention values. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * The dimension sets AWS publishes each metric the alarms read with, per its service's
 * CloudWatch metrics page; an alarm on any other set sees no data.
 */
export const METRIC_DIMENSIONS: Readonly<Record<string, { readonly metrics: readonly string[]; readonly sets: readonly (readonly string[])[]; readonly source: string }>> = {
    "AWS/ApplicationELB": {
        metrics: ["HTTPCode_Target_5XX_Count", "RequestCount", "TargetResponseTime", "UnHealthyHostCount", "HealthyHostCount"],
        sets: [["LoadBalancer", "TargetGroup"]],
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html",
    },
    "AWS/RDS": { metrics: ["CPUUtilization", "FreeStorageSpace", "DatabaseConnections", "ReplicaLag"], sets: [["DBInstanceIdentifier"]], source: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/dimensions.html" },
    "AWS/ElastiCache": { metrics: ["DatabaseMemoryUsagePercentage", "CacheHitRate"], sets: [["CacheClusterId"], ["CacheClusterId", "CacheNodeId"]], source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.WhichShouldIMonitor.html" },
    "AWS/DocDB": { metrics: ["DBInstanceReplicaLag", "DatabaseConnections"], sets: [["DBInstanceIdentifier"]], source: "https://docs.aws.amazon.com/documentdb/latest/developerguide/cloud_watch.html" },
    "AWS/Kafka": {
        metrics: ["KafkaDataLogsDiskUsed", "SumOffsetLag"],
        sets: [["Cluster Name", "Broker ID"], ["Cluster Name", "Consumer Group", "Topic"]],
        source: "https://docs.aws.amazon.com/msk/latest/developerguide/metrics-details.html",
    },
    "AWS/CertificateManager": { metrics: ["DaysToExpiry"], sets: [["CertificateArn"]], source: "https://docs.aws.amazon.com/acm/latest/userguide/cloudwatch-metrics.html" },
    "AWS/Backup": { metrics: ["NumberOfBackupJobsCompleted"], sets: [["BackupVaultName", "ResourceType"]], source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/cloudwatch.html" },
    "ECS/ContainerInsights": {
        metrics: ["CpuUtilized", "CpuReserved", "MemoryUtilized", "MemoryReserved", "EphemeralStorageUtilized", "EphemeralStorageReserved"],
        sets: [["ClusterName", "ServiceName"]],
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html",
    },
    "AWS/SNS": { metrics: ["NumberOfMessagesPublished"], sets: [["TopicName"]], source: "https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html" },
    "AWS/ECS": { metrics: ["CPUUtilization", "MemoryUtilization"], sets: [["ClusterName", "ServiceName"]], source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html" },
    "AWS/SQS": { metrics: ["ApproximateNumberOfMessagesVisible"], sets: [["QueueName"]], source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html" },
    "AWS/Lambda": { metrics: ["Errors"], sets: [["FunctionName"]], source: "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html" },
    "AWS/Route53": { metrics: ["HealthCheckStatus"], sets: [["HealthCheckId"]], source: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html" },
    "AWS/S3": { metrics: ["5xxErrors", "AllRequests"], sets: [["BucketName", "FilterId"]], source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html" },
    "AWS/AmazonMQ": {
        metrics: ["MessageReadyCount", "ConsumerCount", "RabbitMQMemUsed", "RabbitMQMemLimit", "RabbitMQDiskFree", "RabbitMQDiskFreeLimit"],
        sets: [["Broker"], ["Broker", "VirtualHost", "Queue"]],
        source: "https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-logging-monitoring.html",
    },
};

/** Route 53's health checker regions (HealthCheckConfig `Regions`). */
export const ROUTE53_CHECKER_REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"];
