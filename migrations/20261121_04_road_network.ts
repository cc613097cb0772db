import type { Knex } from 'knex';

/**
 * Road network from OpenStreetMap, in EPSG:27700: the routable graph (nodes and edges between graph
 * nodes: junctions and way ends), and the scoring segments cut from the edges (≤ 100 m urban,
 * ≤ 200 m rural). A re-import replaces all three tables in one transaction.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('road_network_imports', (t) => {
    t.increments('id').primary();
    t.text('source_file').notNullable();
    t.text('status').notNullable().defaultTo('running').comment('running | succeeded | failed');
    t.jsonb('options').notNullable().defaultTo('{}');
    t.integer('ways').notNullable().defaultTo(0);
    t.integer('nodes').notNullable().defaultTo(0);
    t.integer('edges').notNullable().defaultTo(0);
    t.integer('segments').notNullable().defaultTo(0);
    t.integer('junctions').notNullable().defaultTo(0);
    t.text('message').nullable();
    t.text('started_by').nullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('road_nodes', (t) => {
    t.bigInteger('id').primary().comment('OSM node id');
    t.smallint('degree').notNullable().comment('number of edge ends meeting here');
    t.boolean('junction').notNullable().comment('degree ≥ 3');
  });
  await knex.raw('ALTER TABLE road_nodes ADD COLUMN geom geometry(Point, 27700) NOT NULL');
  await knex.raw('CREATE INDEX road_nodes_geom_idx ON road_nodes USING gist (geom)');

  await knex.schema.createTable('road_edges', (t) => {
    t.increments('id').primary();
    t.bigInteger('osm_way_id').notNullable();
    t.bigInteger('source_node').notNullable().comment('road_nodes.id at the start of geom');
    t.bigInteger('target_node').notNullable().comment('road_nodes.id at the end of geom');
    t.text('highway').notNullable().comment('OSM highway value, e.g. primary, residential');
    t.text('road_class').notNullable().comment('motorway | a_road | b_road | minor, from highway and ref');
    t.text('ref').nullable().comment('e.g. A6');
    t.text('name').nullable();
    t.smallint('maxspeed_mph').nullable();
    t.smallint('oneway').notNullable().defaultTo(0).comment('0 both ways, 1 along geom only, -1 against geom only');
    t.boolean('urban').notNullable().comment('speed limit ≤ 40 mph, or a town street class when no limit is tagged');
    t.double('length_m').notNullable();
    t.double('cost_s').notNullable().comment('travel time in seconds at the speed limit (or a class default)');
    t.text('district_code').nullable();
  });
  await knex.raw('ALTER TABLE road_edges ADD COLUMN geom geometry(LineString, 27700) NOT NULL');
  await knex.raw('CREATE INDEX road_edges_geom_idx ON road_edges USING gist (geom)');
  await knex.raw('CREATE INDEX road_edges_source_idx ON road_edges (source_node)');
  await knex.raw('CREATE INDEX road_edges_target_idx ON road_edges (target_node)');

  await knex.schema.createTable('road_segments', (t) => {
    t.increments('id').primary();
    t.integer('edge_id').notNullable().references('id').inTable('road_edges').onDelete('CASCADE');
    t.smallint('seq').notNullable().comment('position along the edge, from 0');
    t.double('from_m').notNullable().comment('start, metres along the edge');
    t.text('highway').notNullable();
    t.text('road_class').notNullable();
    t.text('ref').nullable();
    t.text('name').nullable();
    t.smallint('maxspeed_mph').nullable();
    t.boolean('urban').notNullable();
    t.double('length_m').notNullable();
    t.text('district_code').nullable();
  });
  await knex.raw('ALTER TABLE road_segments ADD COLUMN geom geometry(LineString, 27700) NOT NULL');
  await knex.raw('CREATE INDEX road_segments_geom_idx ON road_segments USING gist (geom)');
  await knex.raw('CREATE INDEX road_segments_district_idx ON road_segments (district_code)');
  // The edge's segments in order; also what the ON DELETE CASCADE looks up for each deleted edge (a re-import took 9× longer without it).
  await knex.raw('CREATE INDEX road_segments_edge_idx ON road_segments (edge_id, seq)');

  await knex('data_versions').insert({ name: 'roads' }).onConflict('name').ignore();
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['road_segments', 'road_edges', 'road_nodes', 'road_network_imports']) await knex.schema.dropTableIfExists(table);
}
