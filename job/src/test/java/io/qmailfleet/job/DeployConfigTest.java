package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.qmailfleet.job.testutil.Capture;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and the Kubernetes manifest are for users and are not run here: this checks
 * the compose file with docker-compose itself (v1 validates without an engine), the manifest
 * against the fields of the Flink Kubernetes Operator 1.15 resource and Flink 2.x's configuration
 * keys, and that the job arguments both pass are ones the job accepts.
 */
class DeployConfigTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void composeFileIsWellFormedAndSubmitsValidArguments() throws Exception {
        JsonNode compose = YAML.readTree(Capture.repo().resolve("docker-compose.yml").toFile());
        JsonNode services = compose.get("services");
        for (String s : List.of("kafka", "topics", "jobmanager", "taskmanager", "submit")) {
            assertTrue(services.has(s), "service " + s);
            assertTrue(services.get(s).get("image").asText().contains(":"), "pinned image of " + s);
        }
        assertEquals("apache/kafka:4.2.0", services.get("kafka").get("image").asText());
        String cmd = services.get("submit").get("entrypoint").get(2).asText();
        String jobArgs = cmd.substring(cmd.indexOf("qmail-fleet-job.jar") + "qmail-fleet-job.jar".length()).trim();
        JobConfig c = JobConfig.from(CliArgs.parse(jobArgs.split("\\s+")));
        assertTrue(c.readsKafka());
        assertEquals("kafka", c.sink);
        java.util.regex.Matcher loop = java.util.regex.Pattern.compile("for t in ([^;]*);")
                .matcher(Files.readString(Capture.repo().resolve("deploy/create-topics.sh")));
        assertTrue(loop.find(), "create-topics.sh loops over the topics");
        List<String> topics = Arrays.asList(loop.group(1).trim().split("\\s+"));
        for (io.qmailfleet.job.sink.Output<?> o : io.qmailfleet.job.sink.Outputs.ALL) {
            assertTrue(topics.contains(o.name()), "create-topics.sh creates the topic of output " + o.name() + ": " + topics);
        }
    }

    @Test
    void composeFileIsAcceptedByDockerCompose() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/docker-compose")),
                "docker-compose is missing: apt-get install docker-compose (.ci/run installs it)");
        Process p = new ProcessBuilder("/usr/bin/docker-compose", "-f", Capture.repo().resolve("docker-compose.yml").toString(),
                "config", "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "docker-compose config: " + out);
    }

    @Test
    void kubernetesDeploymentFitsTheOperatorAndPassesValidArguments() throws Exception {
        Path manifest = Capture.repo().resolve("deploy/k8s/flink-deployment.yaml");
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(manifest.toFile())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        JsonNode dep = docs.stream().filter(d -> d.get("kind").asText().equals("FlinkDeployment")).findFirst().orElseThrow();

        // the operator 1.15 resource: known fields only, with their types and enums
        JsonSchema schema;
        try (InputStream in = DeployConfigTest.class.getResourceAsStream("/k8s/flinkdeployment-operator-1.15.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
        assertEquals(Set.of(), schema.validate(dep));

        // Flink 2.2.1 on the official image, the version the job is built against
        assertEquals("v2_2", dep.at("/spec/flinkVersion").asText());
        assertEquals("flink:" + flinkVersion() + "-java17", dep.at("/spec/image").asText());
        assertEquals("savepoint", dep.at("/spec/job/upgradeMode").asText());

        // Flink 2.x configuration keys; the 1.x names they replaced are gone in 2.x
        JsonNode conf = dep.at("/spec/flinkConfiguration");
        for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir",
                "execution.checkpointing.interval", "state.backend.type")) {
            assertTrue(conf.has(key), key);
        }
        conf.fieldNames().forEachRemaining(key -> {
            assertTrue(!Set.of("state.checkpoints.dir", "state.savepoints.dir", "state.backend",
                    "execution.checkpointing.externalized-checkpoint-retention-policy").contains(key), "Flink 1.x key " + key);
            assertTrue(!key.matches("metrics\\.reporter\\.[^.]+\\.class"), "Flink 1.x reporter key " + key + " (factory.class in 2.x)");
        });
        assertEquals("false", conf.get("pipeline.generic-types").asText());

        // the Prometheus reporter, on the port the pods expose and announce for scraping
        assertEquals("org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
                conf.get("metrics.reporter.prom.factory.class").asText());
        String port = conf.get("metrics.reporter.prom.port").asText();
        assertEquals(port, dep.at("/spec/podTemplate/metadata/annotations/prometheus.io~1port").asText());
        JsonNode main = dep.at("/spec/podTemplate/spec/containers/0");
        assertEquals("flink-main-container", main.get("name").asText());
        assertEquals(port, main.at("/ports/0/containerPort").asText());
        String pvc = dep.at("/spec/podTemplate/spec/volumes/0/persistentVolumeClaim/claimName").asText();
        assertTrue(docs.stream().anyMatch(d -> d.get("kind").asText().equals("PersistentVolumeClaim")
                && d.at("/metadata/name").asText().equals(pvc)), "the volume claim is in the manifest");
        assertTrue(conf.get("execution.checkpointing.savepoint-dir").asText().startsWith(
                "file://" + main.at("/volumeMounts/0/mountPath").asText()), "savepoints on the shared volume");

        // the job: its entry class, and arguments the job accepts (Kafka in, Kafka out)
        assertEquals("io.qmailfleet.job.Main", dep.at("/spec/job/entryClass").asText());
        List<String> args = new ArrayList<>();
        dep.at("/spec/job/args").forEach(a -> args.add(a.asText()));
        JobConfig c = JobConfig.from(CliArgs.parse(args.toArray(new String[0])));
        assertEquals("rocksdb", c.stateBackend);
        assertTrue(c.readsKafka());
        assertEquals("kafka", c.sink);
        assertTrue(!c.bounded, "a live job");
    }

    private static String flinkVersion() throws Exception {
        String pom = Files.readString(Capture.repo().resolve("pom.xml"));
        Matcher m = Pattern.compile("<flink.version>([^<]+)</flink.version>").matcher(pom);
        assertTrue(m.find());
        return m.group(1);
    }

    /** .ci/run runs the README's test command, and runs it last: Maven's own summary closes its output, as its comment says. */
    @Test
    void ciRunsTheReadmeTestCommandLast() throws Exception {
        String readme = Files.readString(Capture.repo().resolve("README.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\*\\*Run the tests\\*\\*[\\s\\S]*?```bash\\n([^\\n]+)\\n```")
                .matcher(readme);
        assertTrue(m.find(), "README shows the test command");
        String testCommand = m.group(1).trim();
        List<String> commands = new ArrayList<>();
        for (String l : Files.readAllLines(Capture.repo().resolve(".ci/run"))) {
            if (!l.isBlank() && !l.startsWith("#")) commands.add(l.trim());
        }
        assertEquals(testCommand, commands.get(commands.size() - 1));
        assertTrue(Files.readString(Capture.repo().resolve(".ci/run")).contains("Maven's own reactor summary"));
    }

    /** The README says what makes a first cluster start slow: the cluster's jars come from Maven Central. */
    @Test
    void readmeSaysTheFirstClusterStartResolvesJarsFromMavenCentral() throws Exception {
        String readme = Files.readString(Capture.repo().resolve("README.md")).replaceAll("\\s+", " ");
        assertTrue(readme.contains("first start on a machine also resolves the cluster's jars"), "README on the first start");
        assertTrue(readme.contains("from Maven Central"));
        String pom = Files.readString(Capture.repo().resolve("deploy/cluster/pom.xml"));
        assertTrue(pom.contains("flink-runtime") || pom.contains("flink-dist") || pom.contains("<artifactId>flink-"),
                "the cluster's classpath is resolved by Maven from deploy/cluster/pom.xml");
        assertFalse(readme.contains("about 20 s"), "no timing the first start does not meet");
    }

    /** The README's outputs table has a row per output of the registry, with the output's schema file. */
    @Test
    void readmeListsEveryOutputWithItsSchema() throws Exception {
        String readme = Files.readString(Capture.repo().resolve("README.md"));
        for (io.qmailfleet.job.sink.Output<?> o : io.qmailfleet.job.sink.Outputs.ALL) {
            java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^\\| `" + java.util.regex.Pattern.quote(o.name())
                    + "/` \\|.*\\| `schemas/([^`]+)` \\|$").matcher(readme);
            assertTrue(row.find(), "README row for " + o.name());
            assertEquals(o.schema(), row.group(1), o.name());
            assertTrue(Files.isRegularFile(Capture.repo().resolve("schemas").resolve(o.schema())), o.schema());
        }
    }
}
