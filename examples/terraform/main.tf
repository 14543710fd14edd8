# clusterlink with Terraform: a cluster link from a source cluster to the destination cluster the engine runs
# against, and one mirror topic per source topic. Install the provider first (see README.md), then:
#   terraform init && terraform apply -var engine_endpoint=... -var engine_token=... -var source_bootstrap_servers=...

terraform {
  required_providers {
    clusterlink = {
      source  = "clusterlink.local/clusterlink/clusterlink"
      version = "0.1.0"
    }
  }
}

variable "engine_endpoint" {
  description = "URL of the clusterlink engine, such as http://127.0.0.1:8090 (clusterlink local up --json prints it)."
  type        = string
}

variable "engine_token" {
  description = "Bearer token of the engine."
  type        = string
  sensitive   = true
}

variable "source_bootstrap_servers" {
  description = "Bootstrap servers of the source cluster, host:port[,host:port]."
  type        = string
}

variable "link_name" {
  description = "Name of the cluster link."
  type        = string
  default     = "dr-link"
}

variable "topics" {
  description = "Source topics to mirror (each becomes a mirror topic of the same name)."
  type        = list(string)
  default     = ["orders", "payments"]
}

variable "statuses" {
  description = "Declared status per topic: ACTIVE (the default), PAUSED, PROMOTED (waits for lag 0, then stops: the topic becomes writable) or FAILED_OVER (stops now, also from FAILED). PROMOTED and FAILED_OVER are final."
  type        = map(string)
  default     = {}
}

provider "clusterlink" {
  endpoint = var.engine_endpoint
  token    = var.engine_token
}

resource "clusterlink_link" "dr" {
  link_name                = var.link_name
  source_bootstrap_servers = var.source_bootstrap_servers
  configs = {
    "topic.config.sync.ms" = "10000"
  }
}

resource "clusterlink_mirror_topic" "mirror" {
  for_each          = toset(var.topics)
  link_name         = clusterlink_link.dr.link_name
  source_topic_name = each.value
  # Disaster recovery and migration are status changes, e.g. -var 'statuses={"orders":"PROMOTED"}'.
  status = lookup(var.statuses, each.value, "ACTIVE")
  # Destroying the resource deletes the mirror topic and its records (the default keeps a writable topic).
  on_delete = "DELETE_TOPIC"
}

# Reads the link as the engine reports it (state, errors); handy for links declared elsewhere.
data "clusterlink_link" "dr" {
  link_name = clusterlink_link.dr.link_name
}

output "cluster_link_id" {
  value = data.clusterlink_link.dr.cluster_link_id
}

output "mirror_topics" {
  value = sort([for mirror in clusterlink_mirror_topic.mirror : mirror.mirror_topic_name])
}
