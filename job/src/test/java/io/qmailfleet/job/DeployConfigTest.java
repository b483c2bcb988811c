package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.qmailfleet.job.testutil.Capture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and the Kubernetes manifest are for users and are not run here: this checks
 * they are well-formed and that the job arguments they pass are ones the job accepts.
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
    void kubernetesDeploymentPassesValidArguments() throws Exception {
        Path manifest = Capture.repo().resolve("deploy/k8s/flink-deployment.yaml");
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(manifest.toFile())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        JsonNode dep = docs.stream().filter(d -> d.get("kind").asText().equals("FlinkDeployment")).findFirst().orElseThrow();
        assertEquals("io.qmailfleet.job.Main", dep.at("/spec/job/entryClass").asText());
        List<String> args = new ArrayList<>();
        dep.at("/spec/job/args").forEach(a -> args.add(a.asText()));
        JobConfig c = JobConfig.from(CliArgs.parse(args.toArray(new String[0])));
        assertEquals("rocksdb", c.stateBackend);
        assertTrue(c.readsKafka());
        assertEquals("false", dep.at("/spec/flinkConfiguration/pipeline.generic-types").asText());
        assertTrue(Arrays.asList("savepoint", "last-state").contains(dep.at("/spec/job/upgradeMode").asText()));
    }
}
