import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { probes, type Probe, type ServiceHealth } from '@chorus/platform';
import { Kafka, type Admin } from 'kafkajs';
import { DataSource } from 'typeorm';

/** What the learner's /health checks: the broker and Postgres. */
@Injectable()
export class LearnerHealth implements ServiceHealth, OnModuleInit, OnApplicationShutdown {
  private readonly admin: Admin;

  constructor(
    kafka: Kafka,
    private readonly db: DataSource,
  ) {
    this.admin = kafka.admin();
  }

  async onModuleInit(): Promise<void> {
    await this.admin.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin.disconnect();
  }

  healthProbes(): Record<string, Probe> {
    return { kafka: probes.kafka(this.admin), postgres: probes.postgres(this.db) };
  }
}
