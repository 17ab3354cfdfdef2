/*
 * A Kafka-protocol broker for tests without Docker: librdkafka's built-in mock cluster, kept alive
 * in a process of its own so kafkajs clients (relay, projector) can talk to it over TCP.
 *
 *   mock-cluster [-b brokers] [-p partitions] topic...
 *
 * Creates every topic with the given partition count (the 2.0.2 mock reports controller id 0, so
 * clients cannot create topics through the admin API), prints the bootstrap address on stdout, then
 * reads commands on stdin until it closes (a test runner that dies takes the broker with it):
 *   down <broker-id>  the broker closes its connections and refuses new ones; its logs are kept
 *   up <broker-id>    it serves again
 *   rtt <broker-id> <ms>  every response is delayed (a slow broker)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
  int brokers = 1, partitions = 3, opt;
  while ((opt = getopt(argc, argv, "b:p:")) != -1) {
    if (opt == 'b') brokers = atoi(optarg);
    else if (opt == 'p') partitions = atoi(optarg);
    else {
      fprintf(stderr, "usage: %s [-b brokers] [-p partitions] topic...\n", argv[0]);
      return 2;
    }
  }

  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The mock lives inside a client handle; this producer never produces anything itself. */
  if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  for (int i = optind; i < argc; i++) {
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, argv[i], partitions, 1);
    if (e) {
      fprintf(stderr, "topic %s: %s\n", argv[i], rd_kafka_err2str(e));
      return 1;
    }
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    int id = 0, ms = 0;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (sscanf(line, "down %d", &id) == 1) e = rd_kafka_mock_broker_set_down(mc, id);
    else if (sscanf(line, "up %d", &id) == 1) e = rd_kafka_mock_broker_set_up(mc, id);
    else if (sscanf(line, "rtt %d %d", &id, &ms) == 2) e = rd_kafka_mock_broker_set_rtt(mc, id, ms);
    else {
      fprintf(stderr, "unknown command: %s", line);
      continue;
    }
    /* One answer per command, so the caller knows it took effect. */
    if (e) printf("error %s\n", rd_kafka_err2str(e));
    else printf("ok\n");
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
